# The GAP baseline of the FVE paper (Table 2, birds) on Stanford Cars (no
# paper number for Stanford Cars; the birds recipe with 196 classes): the
# model of fve_inception-v3_stanford-cars-cs-parts.py with the part stream's
# FVE replaced by global average pooling of every part, concatenated in crop
# order (zeros for missing parts), and one linear classifier. No part
# annotations: the 4 parts per image are the proposals stage's CS-parts
# (configs/_base_/datasets/stanford-cars_cs-parts_299.py).
_base_ = './fve_inception-v3_stanford-cars-cs-parts.py'
model = dict(
    local_neck=dict(_delete_=True, type='GAPPartNeck'),
    local_head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=196,
        in_channels=4 * 2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
custom_hooks = [dict(type='EpochSeedHook')]  # no auxiliary weight
