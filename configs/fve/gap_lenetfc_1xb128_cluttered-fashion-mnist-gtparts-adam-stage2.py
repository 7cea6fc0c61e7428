# The GAP arm of the staged protocol, stage 2: the same as
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam-stage2.py with
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
# both CNNs copies of the stage-1 global CNN, frozen (repro.sh sets the path)
stage1_weights = 'work_dirs/fve/repro/noparts-adam_seed0/weights.pth'
model.update(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=stage1_weights, prefix='backbone.')),
    local_backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=stage1_weights, prefix='backbone.')),
    frozen_modules=('backbone', 'local_backbone'))
param_scheduler = dict(milestones=[2, 4])
train_cfg = dict(max_epochs=6)
