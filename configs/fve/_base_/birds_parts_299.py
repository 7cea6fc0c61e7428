# Bird datasets with part crops for the FVE configs (Korsch et al. Sec. 4):
# the global image squashed to 299x299; every part crop cut from the
# original image and resized to 299x299. No augmentation (ours: the paper
# does not describe any). Ground-truth parts: a square of side
# 0.31 * sqrt(h w) around every annotated point (DESIGN.md section 4),
# invisible parts are missing (blank crop, valid = False). The dataset
# configs set the dataset type/root, num_parts and the crop source.
_base_ = ['../../_base_/datasets/cls_loaders.py']
part_crops = dict(
    type='PartCrops',
    num_parts=15,
    crop_size=299,
    source='gt_keypoints',
    part_size=0.31,
    part_order='shuffled')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    part_crops,
    dict(type='Resize', scale=(299, 299), keep_ratio=False),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline
train_dataloader = dict(
    batch_size=16, dataset=dict(split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, dataset=dict(split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
