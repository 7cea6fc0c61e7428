# TD_uni (Top-Down mirror, uniform widths), pre-activation ResNet32.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet32_cifar10.py'
model = dict(backbone=dict(mode='td_uni'), head=dict(in_channels=32))
