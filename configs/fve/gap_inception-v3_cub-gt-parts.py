# The GAP baseline of the FVE paper (Table 1) on CUB: the model of
# fve_inception-v3_cub-gt-parts.py with the part stream's FVE replaced by global
# average pooling of every part, concatenated in crop order (zeros for
# missing parts), and one linear classifier.
_base_ = './fve_inception-v3_cub-gt-parts.py'
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=200,
        in_channels=15 * 2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='EpochSeedHook')]  # no auxiliary weight
