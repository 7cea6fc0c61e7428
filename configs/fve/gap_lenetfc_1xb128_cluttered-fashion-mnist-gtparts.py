# The GAP baseline of the FVE paper (Table 1 "GAP, shuffled GT parts"):
# the same two-stream model as fve_lenetfc_1xb128_cluttered-fashion-mnist-
# gtparts.py, with the part stream's FVE replaced by global average pooling
# of each part's ConvMap, concatenated in the (shuffled) crop order, zeros
# for invisible parts (4 x 32 = 128-d), and one linear classifier.
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=4 * 32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='EpochSeedHook')]  # no aux weight
