# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py (the same model,
# data and part protocol, joint from step 1; both CNNs pre-trained, below)
# with an adaptive optimiser: RMSProp lr 1e-4 (the paper's optimiser, Sec. 4.2),
# x0.1 after 1/3 and 2/3 of 12 epochs (the paper's step shape), validation
# every epoch (the curve); w_aux 0.5 halved every 4 epochs (the paper:
# every 20 of 60). The Fisher vector's per-dimension scales (1 / sigma,
# 1 / sigma^2, eqs. 13-14) need a per-parameter step size.
_base_ = [
    '../_base_/models/fve_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/rmsprop_lr1e-4_step-4-8_12e.py',
    '../_base_/default_runtime.py',
]
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='gt_keypoints',
        part_size=0.25,
        part_order='shuffled'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
# Both CNNs start from one pre-trained network, as the paper fine-tunes an
# ImageNet InceptionV3 (Sec. 4.2): the LeNetFC feature layers of
# configs/focus_longer/pretrain_lenetfc_1xb128_fashion-mnist.py (60k plain
# Fashion-MNIST images; made by `SEEDS=0 CONFIGS=global bash
# experiments/focus_longer/repro.sh`, the Focus-Longer study's step 0), the
# classifiers new.
pretrained = ('work_dirs/focus_longer_repro/'
              'pretrain_lenetfc_1xb128_fashion-mnist/weights.pth')
# The global stream as the paper's (the CNN, GAP and an fc): the LeNetFC
# feature layers (no class convolution), GAP and a linear classifier. The
# Top-Down LeNetFC's class-convolution head (1x1 conv, BN, ReLU, GAP:
# non-negative normalised logits) did not learn in the Focus-Longer pilot at
# lr 1e-3 (its loss stayed at ln 10).
model = dict(
    backbone=dict(
        num_classes=None,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    local_backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AuxLossWeightHook', interval=4, factor=0.5)
]
