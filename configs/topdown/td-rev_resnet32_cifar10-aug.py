# TD_rev (Top-Down mirror, widths grow with depth as in BU), pre-act. ResNet32.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_resnet32_cifar10-aug.py'
model = dict(backbone=dict(mode='td_rev'))
