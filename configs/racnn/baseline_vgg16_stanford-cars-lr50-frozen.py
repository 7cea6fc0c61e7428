# Table II protocol (Cai et al. Sec. III-C): every categorisation layer frozen
# (lr and decay x0) except the last fc: the frozen schedule.
_base_ = [
    '../_base_/models/vgg16.py',
    '../_base_/datasets/stanford-cars_bbox-lr50_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_vgg-frozen.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=196))
