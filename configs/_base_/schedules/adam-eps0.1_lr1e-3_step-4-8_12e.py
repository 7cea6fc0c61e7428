# Recipe: Adam lr 1e-3 with eps 0.1 (betas 0.9 / 0.999, no weight decay), x0.1
# after epochs 4 / 8, 12 epochs, batch 128: the optimiser of the FVE
# authors' training scripts (github.com/cvjena/fve_layer, DiKorsch/cs_parts;
# Korsch et al., WACV 2022) with the step shape of the paper's RMSProp
# recipe (rmsprop_lr1e-4_step-4-8_12e.py). eps 0.1 damps the step of every
# parameter whose gradient RMS is below 0.1 (an SGD-like step of lr / eps
# there). chainer adds eps to sqrt(v) before the bias correction, torch
# after: the same update once 1 - 0.999^t is near 1 (a few thousand steps).
optim_wrapper = dict(
    optimizer=dict(
        type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=0.1, weight_decay=0.))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[4, 8], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
