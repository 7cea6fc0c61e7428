_base_ = [
    '../_base_/models/vgg16.py',
    '../_base_/datasets/cub_bbox-lr50_224.py',
    '../_base_/schedules/racnn-finetune-vgg_sgd-30e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=200))
