# Reference for the Cluttered Fashion-MNIST baselines: the same LeNetFC and
# schedule as lenetfc_1xb128_cluttered-fashion-mnist.py on plain 28x28
# Fashion-MNIST (configs/topdown/bu_lenetfc_fashion-mnist.py with 2 epochs).
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/topdown-mnist_sgd-4e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
# CPU budget: 2 epochs (lr 0.1, then 0.01), as the global-only config.
param_scheduler = dict(milestones=[1])
train_cfg = dict(max_epochs=2)
