# Recipe: sgd-layerwise_lr1e-3_step-20_30e.py, last fc of GoogLeNet;
# RACNN fine-tuning (Cai et al., PRL 2019, Sec. II-C).
# RACNN fine-tuning schedule for GoogLeNet (last fc: head.fc).
_base_ = './sgd-layerwise_lr1e-3_step-20_30e.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'head.fc': dict(lr_mult=1.0, decay_mult=1.0)}))
