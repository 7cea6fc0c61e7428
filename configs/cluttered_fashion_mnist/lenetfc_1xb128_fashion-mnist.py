# Reference for the Cluttered Fashion-MNIST baselines: the same LeNetFC and
# schedule as lenetfc_1xb128_cluttered-fashion-mnist.py on plain 28x28
# Fashion-MNIST (configs/topdown/bu_lenetfc_fashion-mnist.py with 2 epochs).
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
