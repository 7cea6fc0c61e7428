# RACNN fine-tuning schedule for VGG/AlexNet (last fc: backbone.classifier.6).
_base_ = './racnn-finetune_sgd-30e.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'backbone.classifier.6': dict(lr_mult=1.0, decay_mult=1.0)
        }))
