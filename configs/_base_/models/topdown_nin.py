# Top-Down networks (Lelekas et al., CVPR-W 2020): NIN (Network-in-Network, Lin
# et al. 2014; CIFAR-sized RGB input).
# mode: 'bu' (the bottom-up baseline), 'td', 'td_uni' or 'td_rev' (the three
# filter arrangements of Sec. 3.3); every config sets it. The classifier is the
# paper's: a 1x1 convolution to the classes inside the backbone
# (num_classes=K), global average pooling and a parameter-free head.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='TopDownNet',
        arch='nin',
        mode='td',
        in_channels=3,
        num_classes=10),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
