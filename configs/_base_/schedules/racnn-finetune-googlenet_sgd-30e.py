# RACNN fine-tuning schedule for GoogLeNet (last fc: head.fc).
_base_ = './racnn-finetune_sgd-30e.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'head.fc': dict(lr_mult=1.0, decay_mult=1.0)}))
