# RACNN: SR layers (grey, 1 channel, Gaussian init) in front of the LeNet-5
# trained on full-resolution Fashion-MNIST (see lenet5_fashion-mnist-hr.py).
pretrained = 'checkpoints/lenet5_fashion-mnist-hr.pth'
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RACNN',
        in_channels=1,
        backbone=dict(type='LeNet5', num_classes=10),
        backbone_init_cfg=dict(type='Pretrained', checkpoint=pretrained,
                               prefix='backbone.')),
    head=dict(type='ClsHead',
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
