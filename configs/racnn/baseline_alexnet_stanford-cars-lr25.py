_base_ = [
    '../_base_/models/alexnet.py',
    '../_base_/datasets/stanford-cars_bbox-lr25_224.py',
    '../_base_/schedules/racnn-finetune-vgg_sgd-30e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=196))
