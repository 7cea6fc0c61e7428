# GASA (Ma et al., gradient-aware spatial attention) on the MetaFG-2 hybrid
# (MetaFormer): conv stem, MBConv+SE stages, two transformer stages with
# [class token, 12 gradient tokens, image tokens] and relative position bias,
# both class tokens fused (mmfg/models/backbones/gasa.py). The head is the
# last linear layer; loss: label smoothing 0.1 (timm's soft-target
# cross-entropy after Mixup 0.8 / CutMix 1.0, one of the two per batch).
# grad_tokens=None gives the plain hybrid (the *-no-grad-tokens configs).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='GASAHybrid',
        arch='metafg-2',
        img_size=384,
        grad_tokens=dict(
            type='GradientTokenizer', num_tokens=12, sobel_size=3),
        drop_path_rate=0.1),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=.02, bias=0.)),
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]),
)
