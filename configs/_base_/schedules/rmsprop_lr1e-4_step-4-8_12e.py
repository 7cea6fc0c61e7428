# Recipe: RMSProp lr 1e-4, x0.1 after epochs 4 / 8, 12 epochs, batch 128;
# the FVE paper's optimiser and step shape (Korsch et al., WACV 2022, Sec.
# 4.2: RMSProp 1e-4, x0.1 after 1/3 and 2/3 of 60 epochs) at the length of
# the Cluttered Fashion-MNIST CPU runs; one optimiser step per batch (no
# accumulation). torch's RMSprop defaults (alpha 0.99, eps 1e-8) are
# chainer's.
optim_wrapper = dict(optimizer=dict(type='RMSprop', lr=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[4, 8], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
