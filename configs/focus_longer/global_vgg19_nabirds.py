# The Focus-Longer global stream alone on NABirds (no paper number for
# NABirds: the paper reports CUB-200-2011 and Stanford Dogs only): VGG19 +
# GAP + one fc on the 448 squash-resized image, the recipe of
# global_vgg19_cub.py with 555 classes. The baseline of
# focus-longer_vgg19_nabirds.py (ground-truth box patch, an oracle) and of
# focus-longer_vgg19_nabirds-proposals.py (weakly supervised patches).
_base_ = [
    '../_base_/datasets/nabirds_bs32_448.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
pretrained = 'https://download.openmmlab.com/mmclassification/v0/vgg/vgg19_batch256_imagenet_20210208-e6920e4a.pth'  # noqa: E501
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VGG',
        depth=19,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=555,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448), keep_ratio=False),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
