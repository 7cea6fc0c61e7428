# Table II protocol (Cai et al. Sec. III-C): every categorisation layer frozen
# (lr and decay x0) except the last fc; GoogLeNet's BatchNorm statistics
# frozen too (norm_eval), or the 'frozen' layers would still adapt.
_base_ = [
    '../_base_/models/googlenet.py',
    '../_base_/datasets/flowers102_lr50_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_googlenet-frozen.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=102), backbone=dict(norm_eval=True))
