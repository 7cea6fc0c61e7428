# GASA on the small 'tiny' hybrid for grey 28-112 px images (Fashion-MNIST
# and its cluttered variant; mmfg/models/backbones/gasa.py): stem 16/24,
# MBConv 24 x1 and 32 x1, no stem pooling, transformer stages 64 (2 blocks)
# and 128 (1 block) at 1/8 and 1/16 of the input, 4 heads, drop path 0.05.
# G = 4 gradient tokens per stage instead of the paper's 12: at 28x28 the
# stages have 4x4 and 2x2 image tokens (paper at 384: 24x24 and 12x12), and
# 12 gradient tokens would outnumber the image tokens of stage 4 three to one.
# Set img_size to the training input size (the relative position tables).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='GASAHybrid',
        arch='tiny',
        in_channels=1,
        img_size=28,
        grad_tokens=dict(type='GradientTokenizer', num_tokens=4, sobel_size=3),
        drop_path_rate=0.05),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=.02, bias=0.)),
)
