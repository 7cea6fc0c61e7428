# Cluttered Fashion-MNIST at 28x28 (up-sampled to 112x112) on CPU: the plain
# global LeNetFC (configs/cluttered_fashion_mnist/lenetfc_1xb128_cluttered-
# fashion-mnist.py: BU LeNetFC, class conv + GAP, the leaderboard's
# baseline network) fine-tuned on the low-resolution canvases from its own
# full-resolution training, with the paper's per-layer multipliers (Cai et
# al., PRL 2019, Sec. II-C): categorisation layers lr x0.1 decay x0, the
# class convolution (LeNetFC's last classification layer, in place of the
# last fc) lr x1 decay x1. SGD lr 0.02, x0.1 after epoch 1, 2 epochs, batch
# 128: the schedule of baseline_lenet5_fashion-mnist-lr8.py. LeNet-5 takes
# only 32 px inputs, so the canvas protocol uses the fully convolutional
# LeNetFC. Needs the full-resolution classifier:
#   python tools/train.py configs/cluttered_fashion_mnist/lenetfc_1xb128_cluttered-fashion-mnist.py \
#       --work-dir work_dirs/lenetfc_cluttered-fashion-mnist-hr --cfg-options randomness.seed=0
#   python tools/misc/publish_model.py work_dirs/lenetfc_cluttered-fashion-mnist-hr/epoch_2.pth \
#       checkpoints/lenetfc_cluttered-fashion-mnist-hr.pth
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_lr28_112.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    init_cfg=dict(
        type='Pretrained',
        checkpoint='checkpoints/lenetfc_cluttered-fashion-mnist-hr.pth'),
    backbone=dict(mode='bu', num_classes=10))
optim_wrapper = dict(
    optimizer=dict(lr=0.02, weight_decay=0.0001),
    paramwise_cfg=dict(
        custom_keys={'backbone.class_conv': dict(lr_mult=1.0, decay_mult=1.0)
                     }))
param_scheduler = dict(milestones=[1])
train_cfg = dict(max_epochs=2)
auto_scale_lr = dict(base_batch_size=128)
