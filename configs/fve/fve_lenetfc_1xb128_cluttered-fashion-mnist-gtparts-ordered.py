# FVE, Table 1 "ordered GT parts" (zero-filled): the parts in their
# annotation order. The Fisher vector is invariant to the order of the
# local features, so this differs from the shuffled config only through
# the data order seen by nothing else: a control.
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
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
