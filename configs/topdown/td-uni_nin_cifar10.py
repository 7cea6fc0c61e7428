# TD_uni (Top-Down mirror, uniform widths), NIN.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_nin_cifar10.py'
model = dict(backbone=dict(mode='td_uni'))
