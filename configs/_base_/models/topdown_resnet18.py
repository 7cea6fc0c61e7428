# Top-Down networks (Lelekas et al., CVPR-W 2020): ResNet18 (basic blocks,
# ImageNet layout; the paper's Imagenette model). mode: 'bu' (the bottom-up
# baseline), 'td', 'td_uni' or 'td_rev' (Sec. 3.3); every config sets it.
# Classifier: global average pooling + one linear layer, whose in_channels is
# the width of the last level: BU 512, TD 64, TD_uni 128, TD_rev 512.
# Trained from scratch (the TD mirror has no ImageNet weights).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='TopDownNet', arch='resnet18', mode='td', in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
