# Global stream alone (the baseline of the Focus-Longer CPU runs): LeNetFC +
# GAP on the Cluttered Fashion-MNIST canvas resized to 56x56, the same
# model, schedule and input as the global stream of
# focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py.
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_bs128_56.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
