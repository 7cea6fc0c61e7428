# Recipe: sgd-layerwise_lr1e-3_step-20_30e_googlenet.py with the categorisation
# layers frozen but the last fc; Cai et al. (PRL 2019) Table II, Sec. III-C.
# Every backbone layer of GoogLeNet lr and decay x0 except the last fc
# (head.fc: lr x1, decay x1); the SR layers keep their multipliers.
_base_ = './sgd-layerwise_lr1e-3_step-20_30e.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.0, decay_mult=0.0),
            'head.fc': dict(lr_mult=1.0, decay_mult=1.0)
        }))
