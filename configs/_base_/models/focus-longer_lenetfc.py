# Focus-Longer two-stream model, CPU size (Cluttered Fashion-MNIST, grey
# input): global stream = the bottom-up LeNetFC of configs/topdown with its
# class convolution + GAP (exactly the global-only baseline); local stream =
# its own LeNetFC without the class convolution (32-channel map), the
# recurrent-attention neck (2-layer LSTM, hidden 64 instead of the paper's
# 512, T = 10, attention) and one fc (the public code; the paper has two).
model = dict(
    type='TwoStreamClassifier',
    backbone=dict(
        type='TopDownNet',
        arch='lenetfc',
        mode='bu',
        in_channels=1,
        num_classes=10),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    local_backbone=dict(
        type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
    local_neck=dict(
        type='RecurrentAttentionNeck',
        in_channels=32,
        hidden_channels=64,
        num_layers=2,
        num_steps=10,
        aggregation='attention'),
    local_head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    eval_protocol='mean',
    global_weight=1.,
    local_weight=1.,
    fusion='logits',
)
