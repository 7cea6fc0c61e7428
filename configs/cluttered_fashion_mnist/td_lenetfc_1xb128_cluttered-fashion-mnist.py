# TD (Top-Down mirror, widths shrink with depth), LeNetFC, on the whole 112x112
# Cluttered Fashion-MNIST canvas: configs/topdown/td_lenetfc_fashion-mnist.py
# with the canvas data and schedule of the global LeNetFC baseline
# lenetfc_1xb128_cluttered-fashion-mnist.py (= BU LeNetFC on the canvas), so
# that only the backbone's mode differs from it. The blurred input pyramid
# is 112 / 56 / 28 px and the class map ends at 112x112.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = './lenetfc_1xb128_cluttered-fashion-mnist.py'
model = dict(backbone=dict(mode='td'))
