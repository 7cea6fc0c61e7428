# Fashion-MNIST at 8x8 in the Table II protocol (Cai et al. Sec. III-C): the
# LeNet-5 trained at full resolution, every layer frozen (lr and decay x0)
# except the last fc (backbone.classifier.2; the frozen schedule). LeNet-5
# has no BatchNorm.
_base_ = [
    '../_base_/models/lenet5_fashion-mnist-hr.py',
    '../_base_/datasets/fashion-mnist_lr8_32.py',
    '../_base_/schedules/sgd-layerwise_lr0.02_step-1_2e_lenet5-frozen.py',
    '../_base_/default_runtime.py',
]
