# Stage 2 of the FVE authors' staged protocol (github.com/cvjena/fve_layer,
# DiKorsch/cs_parts; run by experiments/fve/repro.sh): both CNNs start as
# copies of the stage-1 global LeNetFC (noparts_lenetfc_1xb128_cluttered-
# fashion-mnist-adam.py; its weights file, made by tools/misc/
# publish_model.py, loaded by init_cfg with prefix 'backbone.': the part
# CNN gets the global CNN's feature layers, not its fc) and are
# frozen (frozen_modules: no gradient, BatchNorm statistics fixed); only the
# FVE (its GMM by the in-network EM) and the part stream's two linear
# classifiers learn. The scripts' settings: K = 1 GMM component (repro.sh
# K=4 / K=10: --cfg-options model.local_neck.num_components=K
# model.local_head.in_channels=2*K*32), EMA lambda 0.99, Adam lr 1e-3
# eps 0.1; 6 epochs, x0.1 after 2 / 4 (the scripts: ~25 frozen epochs).
# Stage 3: *-gtparts-adam-stage3.py.
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py'
# the published stage-1 weights (repro.sh sets both paths)
stage1_weights = 'work_dirs/fve/repro/noparts-adam_seed0/weights.pth'
num_gmm = 1
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=stage1_weights, prefix='backbone.')),
    local_backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=stage1_weights, prefix='backbone.')),
    local_neck=dict(num_components=num_gmm, decay=0.99),
    local_head=dict(in_channels=2 * num_gmm * 32),
    frozen_modules=('backbone', 'local_backbone'))
param_scheduler = dict(milestones=[2, 4])
train_cfg = dict(max_epochs=6)
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AuxLossWeightHook', interval=2, factor=0.5)
]
