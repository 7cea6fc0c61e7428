# TD (Top-Down mirror, widths shrink with depth), pre-activation ResNet32.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet32_cifar10.py'
model = dict(backbone=dict(mode='td'), head=dict(in_channels=16))
