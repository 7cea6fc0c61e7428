# BU (bottom-up baseline), NIN.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_nin.py',
    '../_base_/datasets/cifar10_bs128-shift-flip_32.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-100-160_200e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
