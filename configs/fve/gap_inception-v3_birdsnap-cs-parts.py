# The GAP baseline of the FVE paper (Table 2) on Birdsnap: the model of
# fve_inception-v3_birdsnap-cs-parts.py with the part stream's FVE replaced by global
# average pooling of every part, concatenated in crop order (zeros for
# missing parts), and one linear classifier.
_base_ = './fve_inception-v3_birdsnap-cs-parts.py'
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=500,
        in_channels=4 * 2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='EpochSeedHook')]  # no auxiliary weight
