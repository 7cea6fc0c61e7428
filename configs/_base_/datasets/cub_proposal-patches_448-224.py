# CUB-200-2011 for Focus-Longer with WEAKLY SUPERVISED patches (the public
# code's recipe, see focus-longer_cub_448-224.py: squash to 448, no
# augmentation, patches cut from the 448 image at 224): up to 10 proposals
# per image, highest score first (one drawn per training step, their mean at
# test), from the proposals stage (configs/proposals: classifier CAM boxes ->
# RPN -> proposal files work_dirs/proposals/cub/
# rpn-cam_{train,test}.json; generate them first).
# No ground-truth box is used.
_base_ = './fgvc_bs32_448.py'
dataset_type = 'CUB'
data_root = 'data/CUB_200_2011'
num_classes = 200
proposal_root = 'work_dirs/proposals/cub/'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448), keep_ratio=False),
    dict(type='PartCrops', num_parts=10, crop_size=224, source='proposals'),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

data_preprocessor = dict(type='FGDataPreprocessor', num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_bbox=False,
        with_parts=False,
        proposal_file=proposal_root + 'rpn-cam_train.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        with_bbox=False,
        with_parts=False,
        proposal_file=proposal_root + 'rpn-cam_test.json',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
