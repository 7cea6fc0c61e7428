# The GAP baseline in the Adam family on the RPN's 4 top proposals
# (object-level regions, not parts) of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-rpn-adam.py: the two-stream
# model, optimiser and pre-trained CNNs of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py with the part
# stream of gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py
# (repeated here, not inherited, to stay 4 levels deep).
# Proposal files (all 60,000 training and 10,000 test canvases):
#   bash experiments/proposals/run.sh detector-long   # RPN + the test file
#   bash experiments/proposals/run.sh generate-1500it   # rpn_cam_1500it_train.json
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
        proposal_file='work_dirs/proposals/rpn_cam_1500it_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/rpn_cam_1500it_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
