# BU (bottom-up baseline), LeNetFC.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/mnist_bs128_28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-2-3_4e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
