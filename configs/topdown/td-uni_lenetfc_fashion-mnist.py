# TD_uni (Top-Down mirror, uniform widths), LeNetFC.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_lenetfc_fashion-mnist.py'
model = dict(backbone=dict(mode='td_uni'))
