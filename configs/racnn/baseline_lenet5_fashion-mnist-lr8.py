# Fashion-MNIST at 8x8 (up-sampled to 32x32) on CPU: the plain LeNet-5
# starting from the LeNet-5 trained at full resolution. Needs
# checkpoints/lenet5_fashion-mnist-hr.pth (see configs/racnn/README.md).
_base_ = [
    '../_base_/models/lenet5_fashion-mnist-hr.py',
    '../_base_/datasets/fashion-mnist_lr8_32.py',
    '../_base_/schedules/sgd-layerwise_lr0.02_step-1_2e_lenet5.py',
    '../_base_/default_runtime.py',
]
