# iNaturalist 2018 for Focus-Longer with WEAKLY SUPERVISED patches (the public
# code's recipe, see focus-longer_cub_448-224.py: squash to 448, no
# augmentation, patches cut from the 448 image at 224): up to 10 proposals per
# image, highest score first (one drawn per training step, their mean at test),
# from the proposals stage (configs/proposals: classifier CAM boxes -> RPN ->
# proposal files work_dirs/proposals/inat2018/ rpn-cam_{train,val}.json;
# generate them first). (iNaturalist 2018 has no boxes: the proposals are the
# only patch source.)
_base_ = './fgvc_bs32_448.py'
dataset_type = 'INaturalist2018'
data_root = 'data/inaturalist2018'
num_classes = 8142
proposal_root = 'work_dirs/proposals/inat2018/'

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
        proposal_file=proposal_root + 'rpn-cam_train.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        proposal_file=proposal_root + 'rpn-cam_val.json',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
