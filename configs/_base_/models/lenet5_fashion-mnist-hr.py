# mmpretrain's LeNet-5 initialised from the LeNet-5 trained on full-resolution
# Fashion-MNIST (configs/baselines/lenet5_fashion-mnist.py, published with
# tools/misc/publish_model.py): the "pre-trained categorisation layers".
pretrained = 'checkpoints/lenet5_fashion-mnist-hr.pth'
model = dict(
    type='ImageClassifier',
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(type='LeNet5', num_classes=10),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
