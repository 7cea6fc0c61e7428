# Stanford Cars for Focus-Longer (the public code's recipe, see
# focus-longer_cub_448-224.py): squash to 448, no augmentation, the patch cut
# from the 448 image and resized to 224.
# PATCH SOURCE: the paper has no Stanford Cars experiment. Here the patch is
# the GROUND-TRUTH car box (one per image; an oracle the paper does not use);
# the proposals stage's patches (configs/proposals) are in
# stanford-cars_proposal-patches_448-224.py.
_base_ = './fgvc_bs32_448.py'
dataset_type = 'StanfordCars'
data_root = 'data/stanford_cars'
num_classes = 196

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
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        with_bbox=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
