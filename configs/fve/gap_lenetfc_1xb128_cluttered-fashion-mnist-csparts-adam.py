# The GAP baseline with CS-parts in the Adam family: the two-stream model,
# optimiser and pre-trained CNNs of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py with the part
# stream of gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py
# (pooled parts concatenated, zeros for missing parts, one linear
# classifier; repeated here, not inherited, to stay 4 levels deep) and the 4
# CS-parts boxes in score order of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-csparts-adam.py.
# Proposal files: bash experiments/proposals/run.sh cs-parts
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py'
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=4 * 32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='EpochSeedHook')]  # no aux weight
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='proposals',
        part_order='ordered'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/cs_parts_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/cs_parts_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
