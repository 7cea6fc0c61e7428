# Table II protocol (Cai et al. Sec. III-C): every categorisation layer frozen
# (lr and decay x0) except the last fc.
_base_ = './baseline_vgg16_cub-lr50.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.0, decay_mult=0.0)}))
