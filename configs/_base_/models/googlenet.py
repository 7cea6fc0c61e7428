# Plain googlenet classifier, the baseline CNN of RACNN: GoogLeNet / Inception-v1 (mmfg's wrapper of torchvision's, deepest output
# only); torchvision's ImageNet weights converted by
# tools/model_converters/torchvision2mmfg.py. GAP and a new last fc. The
# backbone maps the ImageNet mean/std-normalised inputs to the [-1, 1] range
# those weights expect (transform_input=True, its default).
pretrained = 'checkpoints/googlenet_in1k_torchvision2mmfg.pth'
model = dict(
    type='ImageClassifier',
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(type='GoogLeNet'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=200,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
