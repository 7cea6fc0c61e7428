# Focus-Longer (Shroff et al., CVPR-W 2020, Sec. 4.1), two streams of VGG19
# with separate weights, both from MMPretrain's ImageNet VGG19 (the
# checkpoint's 'backbone.' keys; its classifier keys are ignored):
# * global stream: VGG19 features (with the last pool) on the 448 image,
#   global average pooling, one fc (Normal std 0.01, as the public code);
# * local stream: VGG19 up to conv5_4 (no last pool: 512 x 14 x 14 at 224)
#   on one 224 patch, GAP -> 512, the same vector at each of T = 10 steps of
#   a 2-layer LSTM (hidden 512, zero initial state), temporal attention, one
#   fc (the public code). The paper's two fc layers (hidden width not given):
#   local_head=dict(_delete_=True, type='StackedLinearClsHead',
#                   num_classes=200, in_channels=512, mid_channels=[512])
# Loss CE(global) + 1.0 * CE(local); prediction = sum of the raw logits.
pretrained = 'https://download.openmmlab.com/mmclassification/v0/vgg/vgg19_batch256_imagenet_20210208-e6920e4a.pth'  # noqa: E501
model = dict(
    type='TwoStreamClassifier',
    backbone=dict(
        type='VGG',
        depth=19,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=200,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    local_backbone=dict(
        type='VGG',
        depth=19,
        with_last_pool=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    local_neck=dict(
        type='RecurrentAttentionNeck',
        in_channels=512,
        hidden_channels=512,
        num_layers=2,
        num_steps=10,
        aggregation='attention'),
    local_head=dict(
        type='LinearClsHead',
        num_classes=200,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    eval_protocol='mean',
    global_weight=1.,
    local_weight=1.,
    fusion='logits',
)
