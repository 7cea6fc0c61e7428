# Plug-and-play on CPU: the recurrent-attention neck (LSTM 2 x 64, T = 10,
# attention) after the bottom-up LeNetFC (no class convolution: 32-d GAP
# feature) in a plain ImageClassifier, plain Fashion-MNIST 28x28, the 2-epoch
# schedule of configs/cluttered_fashion_mnist.
_base_ = [
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
    neck=dict(
        type='RecurrentAttentionNeck',
        in_channels=32,
        hidden_channels=64,
        num_layers=2,
        num_steps=10),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
