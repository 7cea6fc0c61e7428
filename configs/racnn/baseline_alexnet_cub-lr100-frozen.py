# Table III protocol (Cai et al. Sec. III-D): the Table II protocol (every
# categorisation layer frozen, lr and decay x0, except the last fc) at
# 100x100.
_base_ = './baseline_alexnet_cub-lr100.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.0, decay_mult=0.0)}))
