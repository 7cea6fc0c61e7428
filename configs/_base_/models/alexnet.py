# Plain alexnet classifier, the baseline CNN of RACNN: mmpretrain's AlexNet (classifier inside the backbone); torchvision's
# ImageNet weights converted by tools/model_converters/torchvision2mmfg.py
# (see configs/racnn/README.md). The last fc is re-sized.
pretrained = 'checkpoints/alexnet_in1k_torchvision2mmfg.pth'
model = dict(
    type='ImageClassifier',
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(type='AlexNet', num_classes=200),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
