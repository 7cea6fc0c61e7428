# Top-Down networks (Lelekas et al., CVPR-W 2020): pre-activation ResNet32
# (CIFAR-sized RGB input). mode: 'bu' (the bottom-up baseline), 'td', 'td_uni'
# or 'td_rev' (Sec. 3.3); every config sets it. Classifier: global average
# pooling + one linear layer, whose in_channels is the width of the last
# (finest for TD) level: BU 64, TD 16, TD_uni 32, TD_rev 64.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='TopDownNet', arch='resnet32', mode='td', in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=16,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
