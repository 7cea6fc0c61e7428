# TD (Top-Down mirror, widths shrink with depth), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_resnet18.py',
    '../_base_/datasets/cub_bs32_448.py',
    '../_base_/schedules/topdown-resnet18_sgd-50e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(mode='td'), head=dict(num_classes=200, in_channels=64))
