# Plug-and-play (the paper's claim): the recurrent-attention neck in a plain
# mmpretrain ImageClassifier, after a ResNet-50 (2048-d GAP feature, LSTM
# 2 x 512, T = 10, attention, one fc), on the usual CUB pipeline (448 crops).
_base_ = [
    '../_base_/datasets/cub_bs32_448.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth',
            prefix='backbone.')),
    neck=dict(
        type='RecurrentAttentionNeck',
        in_channels=2048,
        hidden_channels=512,
        num_layers=2,
        num_steps=10),
    head=dict(
        type='LinearClsHead',
        num_classes=200,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
