# FVE two-stream model, CPU size (Cluttered Fashion-MNIST, grey input;
# Korsch et al., WACV 2022, Sec. 3 / 4.5 at CPU size):
# * global stream: the bottom-up LeNetFC of configs/topdown (class conv +
#   GAP), exactly the "no parts" baseline;
# * part stream: its own LeNetFC (32-channel ConvMaps, 7x7 per 28x28 crop),
#   FVEPartNeck (norm mask, GMM K = 4, lambda 0.9, 'count' normalisation ->
#   2 * 4 * 32 = 256-d Fisher vector), FVEClsHead (linear on the FV +
#   auxiliary linear on the 4 pooled part features concatenated, 4 * 32 =
#   128-d as the authors' scripts, CE_part = w_aux CE(aux) + (1 - w_aux)
#   CE(FVE)); aux_pooling='mean' + aux_channels=32 averages them instead;
# * loss 0.5 (CE_global + CE_part); prediction log_softmax(global) +
#   log_softmax(part) (fusion_weights 1, 1).
# Input: a global image (B, 1, 56, 56) and K part crops (B, K, 1, 28, 28).
num_gmm = 4
num_parts = 4  # the datasets' PartCrops num_parts
model = dict(
    type='TwoStreamClassifier',
    backbone=dict(
        type='TopDownNet',
        arch='lenetfc',
        mode='bu',
        in_channels=1,
        num_classes=10),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    local_backbone=dict(
        type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
    local_neck=dict(
        type='FVEPartNeck',
        in_channels=32,
        num_components=num_gmm,
        decay=0.9,
        normalization='count',
        use_missing_parts=True,
        aux_pooling='concat'),
    local_head=dict(
        type='FVEClsHead',
        num_classes=10,
        in_channels=2 * num_gmm * 32,
        aux_channels=num_parts * 32,
        aux_weight=0.5),
    global_weight=0.5,
    local_weight=0.5,
    fusion='log_softmax',
    fusion_weights=(1., 1.),
)
