# The GAP arm of the staged protocol, stage 3: the same as
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam-stage3.py with
# the GAP part stream of gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-
# adam.py (pooled parts concatenated, zeros for invisible parts, one linear
# classifier).
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
# every weight from the last stage-2 checkpoint (repro.sh sets the path)
load_from = 'work_dirs/fve/repro/gap-stage2_seed0/epoch_6.pth'
