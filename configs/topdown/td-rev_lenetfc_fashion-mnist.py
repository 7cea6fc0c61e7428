# TD_rev (Top-Down mirror, widths grow with depth as in BU), LeNetFC.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './bu_lenetfc_fashion-mnist.py'
model = dict(backbone=dict(mode='td_rev'))
