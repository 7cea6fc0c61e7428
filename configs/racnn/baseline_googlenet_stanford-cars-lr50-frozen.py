# Table II protocol (Cai et al. Sec. III-C): every categorisation layer frozen
# (lr and decay x0) except the last fc; GoogLeNet's BatchNorm statistics
# frozen too (norm_eval), or the 'frozen' layers would still adapt.
_base_ = './baseline_googlenet_stanford-cars-lr50.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.0, decay_mult=0.0)}))
model = dict(backbone=dict(norm_eval=True))
