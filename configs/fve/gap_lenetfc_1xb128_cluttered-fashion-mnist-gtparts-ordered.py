# GAP baseline, Table 1 "ordered GT parts": the parts in their annotation
# order (top-left, top-right, bottom-left, bottom-right), zero-filled.
_base_ = './gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='gt_keypoints',
        part_size=0.25,
        part_order='ordered'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
