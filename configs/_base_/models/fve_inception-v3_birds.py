# FVE paper model (Korsch et al., WACV 2022, Sec. 4.2 / 4.5), shared by the
# configs/fve/*_inception-v3_{cub,nabirds,birdsnap}-* configs (schedule:
# schedules/rmsprop_lr1e-4_step-20-40_60e.py):
# * global stream: InceptionV3 (299 px) -> GAP -> linear classifier;
# * part stream: its own InceptionV3 on every part crop (299 px, 8x8
#   ConvMaps = 64 local 2048-d features per part), FVEPartNeck (norm mask,
#   GMM with K components, lambda 0.9, 'count' normaliser), FVEClsHead
#   (linear on the 2 K 2048-d Fisher vector + auxiliary linear on the pooled
#   part features concatenated, as the authors' scripts: each config sets
#   aux_channels = num_parts * 2048; w_aux 0.5 halved every 20 epochs by
#   AuxLossWeightHook);
# * loss 0.5 (CE_global + CE_part), prediction log_softmax(global) +
#   log_softmax(part);
# * inputs scaled to [-1, 1] (data_preprocessor below).
# Weights: the paper starts from Cui et al.'s iNat2017 InceptionV3 (not
# available offline): set init_cfg=dict(type='Pretrained', checkpoint=...)
# on both backbones (an mmpretrain InceptionV3 checkpoint loads as is).
# K: the paper does not give K for Tables 1-2 (Fig. 3 sweeps 1-50); 1 here,
# change model.local_neck.num_components and local_head.in_channels
# together.
num_gmm = 1
model = dict(
    type='TwoStreamClassifier',
    backbone=dict(type='InceptionV3Features'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=200,  # set by each config
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    local_backbone=dict(type='InceptionV3Features'),
    local_neck=dict(
        type='FVEPartNeck',
        in_channels=2048,
        num_components=num_gmm,
        decay=0.9,
        normalization='count',
        use_missing_parts=False,
        aux_pooling='concat'),
    local_head=dict(
        type='FVEClsHead',
        num_classes=200,  # set by each config
        in_channels=2 * num_gmm * 2048,
        aux_channels=2048,  # num_parts * 2048: set by each config
        aux_weight=0.5),
    global_weight=0.5,
    local_weight=0.5,
    fusion='log_softmax',
    fusion_weights=(1., 1.),
)
# [-1, 1] inputs (x / 127.5 - 1), RGB
data_preprocessor = dict(
    type='FGDataPreprocessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True)
