# The GAP baseline of the FVE paper (Table 1 "GAP, shuffled GT parts"):
# the same two-stream model as fve_lenetfc_1xb128_cluttered-fashion-mnist-
# gtparts.py, with the part stream's FVE replaced by global average pooling
# of each part's ConvMap, concatenated in the (shuffled) crop order, zeros
# for invisible parts (4 x 32 = 128-d), and one linear classifier.
_base_ = [
    '../_base_/models/fve_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=4 * 32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
# the shuffled ground-truth parts of the FVE config
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='gt_keypoints',
        part_size=0.25,
        part_order='shuffled'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
custom_hooks = [dict(type='EpochSeedHook')]  # no aux weight
