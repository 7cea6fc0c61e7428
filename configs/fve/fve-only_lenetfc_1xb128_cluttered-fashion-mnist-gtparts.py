# Part CNN + FVE + linear classifier alone (no global stream, no auxiliary
# classifier): the part stream of fve_lenetfc_1xb128_cluttered-fashion-
# mnist-gtparts.py trained by itself (weight 1).
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
model = dict(
    backbone=None,
    neck=None,
    head=None,
    local_neck=dict(with_pooled=False),
    local_head=dict(aux_channels=None, aux_weight=0.),
    local_weight=1.)
custom_hooks = [dict(type='EpochSeedHook')]  # no aux weight
