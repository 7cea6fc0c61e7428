# The GAP baseline (gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py:
# pooled parts concatenated, zeros for invisible parts, one linear
# classifier) with the optimiser and schedule of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py: Adam lr 1e-3, eps 0.1 (the authors' scripts),
# x0.1 after epochs 4 / 8, 12 epochs.
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
