# The embedded default: mmpretrain's LeNet-5 on the real Fashion-MNIST, CPU.
_base_ = [
    '../_base_/models/lenet5.py',
    '../_base_/datasets/fashion-mnist_bs128_32.py',
    '../_base_/schedules/sgd_lr0.02_step-3-4_5e.py',
    '../_base_/default_runtime.py',
]
