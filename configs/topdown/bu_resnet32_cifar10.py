# BU (bottom-up baseline), pre-activation ResNet32.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_resnet32.py',
    '../_base_/datasets/cifar10_bs128_32.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-50-80_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(mode='bu'), head=dict(num_classes=10, in_channels=64))
