# Stage 1 of the FVE authors' staged protocol (github.com/cvjena/fve_layer,
# DiKorsch/cs_parts; experiments/fve/repro.sh): the global CNN trained
# alone (fine-tuned from the pre-trained LeNetFC below, as the scripts
# fine-tune the ImageNet CNN), i.e.
# noparts_lenetfc_1xb128_cluttered-fashion-mnist.py (LeNetFC + GAP on the
# canvas resized to 56x56) with the scripts' optimiser, Adam
# lr 1e-3 eps 0.1, x0.1 after epochs 4 / 8, 12 epochs. Its weights start
# both CNNs of stage 2 (*-gtparts-adam-stage2.py).
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_bs128_56.py',
    '../_base_/schedules/adam-eps0.1_lr1e-3_step-4-8_12e.py',
    '../_base_/default_runtime.py',
]
# The CNN starts from one pre-trained network, as the paper fine-tunes an
# ImageNet InceptionV3 (Sec. 4.2): the LeNetFC feature layers of
# configs/focus_longer/pretrain_lenetfc_1xb128_fashion-mnist.py (60k plain
# Fashion-MNIST images; made by `SEEDS=0 CONFIGS=global bash
# experiments/focus_longer/repro.sh`, the Focus-Longer study's step 0), the
# classifier new.
pretrained = ('work_dirs/focus_longer_repro/'
              'pretrain_lenetfc_1xb128_fashion-mnist/weights.pth')
# The global stream as the paper's (the CNN, GAP and an fc): the LeNetFC
# feature layers (no class convolution), GAP and a linear classifier. The
# Top-Down LeNetFC's class-convolution head (1x1 conv, BN, ReLU, GAP:
# non-negative normalised logits) did not learn in the Focus-Longer pilot at
# lr 1e-3 (its loss stayed at ln 10).
model = dict(
    backbone=dict(
        mode='bu',
        num_classes=None,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
