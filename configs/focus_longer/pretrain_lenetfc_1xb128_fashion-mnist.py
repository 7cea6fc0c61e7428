# The stand-in for the ImageNet initialisation of Focus-Longer's two VGG19
# streams (Shroff et al., CVPR-W 2020, Sec. 4.1 "We initialize the CNN of
# both the stream with ImageNet pre-trained VGG network"; the public code's
# torchvision vgg19(pretrained=True) features in both streams, new
# classifiers). Here: the bottom-up LeNetFC feature layers (no class
# convolution, 32-channel map) + GAP + a linear classifier, trained on the 60k
# plain 28x28 Fashion-MNIST training images with the Top-Down reference's
# Fashion-MNIST recipe (SGD Nesterov lr 0.1, x0.1 at epochs 20 and 32, 40
# epochs, batch 128), the inputs normalised with the Cluttered Fashion-MNIST
# canvas mean/std the two-stream configs use (as ImageNet statistics serve
# both the pre-training and the fine-tuning). Only `backbone.*` is reused
# (the -fmpt configs load it into both streams; the classifier is dropped,
# as VGG19's is). Source and target share the label space and the training
# objects (like ImageNet -> Stanford Dogs, closer than ImageNet -> CUB); the
# test canvases are built from the 10k test images, never seen here.
_base_ = [
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-2-3_4e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
# the canvas statistics of configs/_base_/datasets/cluttered-fashion-mnist_*
data_preprocessor = dict(mean=[22.08], std=[59.17])
param_scheduler = dict(milestones=[20, 32])
train_cfg = dict(max_epochs=40)
