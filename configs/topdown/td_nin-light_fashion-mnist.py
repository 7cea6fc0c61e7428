# TD (Top-Down mirror, widths shrink with depth), NIN-light.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_nin-light_fashion-mnist.py'
model = dict(backbone=dict(mode='td'))
