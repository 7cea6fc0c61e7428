# TD_uni (Top-Down mirror, uniform widths), NIN-light.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_nin-light.py',
    '../_base_/datasets/mnist_bs128_28.py',
    '../_base_/schedules/topdown-mnist_sgd-4e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='td_uni', num_classes=10))
