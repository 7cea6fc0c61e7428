# TD_uni (Top-Down mirror, uniform widths), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet18_nabirds.py'
model = dict(backbone=dict(mode='td_uni'), head=dict(in_channels=128))
