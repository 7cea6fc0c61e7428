_base_ = [
    '../_base_/models/racnn_vgg16.py',
    '../_base_/datasets/cub_bbox-lr100_224.py',
    '../_base_/schedules/racnn-vgg_sgd-30e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(backbone=dict(num_classes=200)))
