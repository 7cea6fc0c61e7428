# Fashion-MNIST at 8x8 in the Table II protocol (Cai et al. Sec. III-C): the
# LeNet-5 trained at full resolution, every layer frozen (lr and decay x0)
# except the last fc (backbone.classifier.2). LeNet-5 has no BatchNorm.
_base_ = './baseline_lenet5_fashion-mnist-lr8.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.0, decay_mult=0.0)}))
