# RACNN (Cai et al.): 3 convolutional SR layers (g-RACNN: Gaussian init) in
# front of GoogLeNet / Inception-v1 (mmfg's wrapper of torchvision's, deepest output
# only); torchvision's ImageNet weights converted by
# tools/model_converters/torchvision2mmfg.py. GAP and a new last fc.
pretrained = 'checkpoints/googlenet_in1k_torchvision2mmfg.pth'
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RACNN',
        in_channels=3,
        backbone=dict(type='GoogLeNet'),
        backbone_init_cfg=dict(type='Pretrained', checkpoint=pretrained,
                               prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=200, in_channels=1024,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
