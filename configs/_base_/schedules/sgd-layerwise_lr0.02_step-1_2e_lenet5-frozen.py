# Recipe: sgd-layerwise_lr0.02_step-1_2e_lenet5.py with every layer frozen but
# the last fc; Cai et al. (PRL 2019) Table II protocol, Sec. III-C, CPU size.
# LeNet-5 (no BatchNorm) lr and decay x0 except backbone.classifier.2; the SR
# layers keep their multipliers.
_base_ = './sgd-layerwise_lr1e-3_step-20_30e.py'
optim_wrapper = dict(
    optimizer=dict(lr=0.02, weight_decay=0.0001),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.0, decay_mult=0.0),
            'backbone.classifier.2': dict(lr_mult=1.0, decay_mult=1.0)
        }))
param_scheduler = dict(milestones=[1])
train_cfg = dict(max_epochs=2)
auto_scale_lr = dict(base_batch_size=128)
