# Plain vgg16 classifier, the baseline CNN of RACNN: mmpretrain's VGG-16 (classifier inside the backbone); ImageNet weights from
# the MMPretrain model zoo (vgg16_8xb32_in1k). The last fc is re-sized.
pretrained = 'https://download.openmmlab.com/mmclassification/v0/vgg/vgg16_batch256_imagenet_20210208-db26f1a5.pth'
model = dict(
    type='ImageClassifier',
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(type='VGG', depth=16, num_classes=200),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
