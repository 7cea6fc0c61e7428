# TD_rev (Top-Down mirror, widths grow with depth as in BU), NIN-light.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_nin-light.py',
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/topdown-mnist_sgd-4e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='td_rev', num_classes=10))
