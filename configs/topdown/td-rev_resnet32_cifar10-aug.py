# TD_rev (Top-Down mirror, widths grow with depth as in BU), pre-act. ResNet32.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_resnet32.py',
    '../_base_/datasets/cifar10_bs128-shift-flip_32.py',
    '../_base_/schedules/topdown-cifar10-aug_sgd-200e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(mode='td_rev'), head=dict(num_classes=10, in_channels=64))
