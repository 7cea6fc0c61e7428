_base_ = [
    '../_base_/models/alexnet.py',
    '../_base_/datasets/stanford-cars_bbox-lr50_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_vgg.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=196))
# AlexNet's input is 227x227 (Sec. III-A): down to the low resolution and
# back up to 227.
train_pipeline = {{_base_.lowres_pipelines.bbox_lr50_227.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr50_227.test}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
