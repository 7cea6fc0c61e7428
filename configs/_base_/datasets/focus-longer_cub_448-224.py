# CUB-200-2011 for Focus-Longer (the public code's recipe): every image
# squashed to 448x448 (no aspect ratio kept, no augmentation), the patch cut
# from the 448 image and resized to 224x224.
# PATCH SOURCE: the paper's CUB patches are prototype-activation boxes
# (ProtoPNet-style, 10 per image). Here the patch is the GROUND-TRUTH object
# box (an oracle the paper does not use); the weakly supervised patches of
# the proposals stage (configs/proposals) are in
# cub_proposal-patches_448-224.py (PartCrops(source='proposals',
# num_parts=10) and the dataset's proposal_file).
_base_ = './fgvc_bs32_448.py'
dataset_type = 'CUB'
data_root = 'data/CUB_200_2011'
num_classes = 200

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448), keep_ratio=False),
    dict(type='PartCrops', num_parts=1, crop_size=224, source='gt_bboxes'),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

data_preprocessor = dict(type='FGDataPreprocessor', num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_bbox=True,
        with_parts=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        with_bbox=True,
        with_parts=False,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
