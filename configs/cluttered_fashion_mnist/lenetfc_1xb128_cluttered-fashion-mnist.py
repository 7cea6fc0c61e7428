# Global-only baseline on Cluttered Fashion-MNIST: the bottom-up LeNetFC of
# configs/topdown (fully convolutional, 1x1 class conv + global average
# pooling, so it takes any input size) on the whole 112x112 canvas.
# Same model and schedule as lenetfc_1xb128_cluttered-fashion-mnist-oracle.py
# (ground-truth box crop) and lenetfc_1xb128_fashion-mnist.py (plain 28x28).
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_bs128_112.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
