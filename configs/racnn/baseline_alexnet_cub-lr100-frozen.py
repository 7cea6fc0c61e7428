# Table III protocol (Cai et al. Sec. III-D): the Table II protocol (every
# categorisation layer frozen, lr and decay x0, except the last fc) at
# 100x100.
_base_ = [
    '../_base_/models/alexnet.py',
    '../_base_/datasets/cub_bbox-lr100_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_vgg-frozen.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=200))
# AlexNet's input is 227x227 (Sec. III-A): down to the low resolution and
# back up to 227.
train_pipeline = {{_base_.lowres_pipelines.bbox_lr100_227.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr100_227.test}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
