# Stanford Dogs for Focus-Longer (the public code's recipe, see
# focus-longer_cub_448-224.py): squash to 448, patches at 224.
# PATCH SOURCE: the authors had no Dogs patches in their release. Here the
# patches are the GROUND-TRUTH dog boxes (up to 4 per image: one drawn at
# random per training step, their mean at test; an oracle the paper does not
# use); the proposals stage's patches (configs/proposals) are in
# stanford-dogs_proposal-patches_448-224.py.
_base_ = './fgvc_bs32_448.py'
dataset_type = 'StanfordDogs'
data_root = 'data/stanford_dogs'
num_classes = 120

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448), keep_ratio=False),
    dict(type='PartCrops', num_parts=4, crop_size=224, source='gt_bboxes'),
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
        with_bbox=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
