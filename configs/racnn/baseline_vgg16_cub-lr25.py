_base_ = [
    '../_base_/models/vgg16.py',
    '../_base_/datasets/cub_bbox-lr25_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_vgg.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=200))
