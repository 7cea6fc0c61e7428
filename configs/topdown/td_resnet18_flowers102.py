# TD (Top-Down mirror, widths shrink with depth), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet18_flowers102.py'
model = dict(backbone=dict(mode='td'), head=dict(in_channels=64))
