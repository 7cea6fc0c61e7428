# TD_rev (Top-Down mirror, widths grow with depth as in BU), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet18_nabirds.py'
model = dict(backbone=dict(mode='td_rev'))
