# TD_rev (Top-Down mirror, widths grow with depth as in BU), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_resnet18.py',
    '../_base_/datasets/imagenette_bs64_128.py',
    '../_base_/schedules/topdown-resnet18_sgd-50e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(mode='td_rev'), head=dict(num_classes=10, in_channels=512))
