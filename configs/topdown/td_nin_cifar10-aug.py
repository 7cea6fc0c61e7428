# TD (Top-Down mirror, widths shrink with depth), NIN.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_nin.py',
    '../_base_/datasets/cifar10_bs128-shift-flip_32.py',
    '../_base_/schedules/topdown-cifar10-aug_sgd-200e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='td', num_classes=10))
