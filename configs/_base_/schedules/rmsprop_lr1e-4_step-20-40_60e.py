# Recipe: RMSProp lr 1e-4, x0.1 after epochs 20 / 40, 60 epochs, batch 64 =
# 16 x 4 accumulated steps; FVE (Korsch et al., WACV 2022, Sec. 4.2).
# The paper accumulates up to 64 images for memory; the GMM of the FVE neck
# is updated on every 16-image forward.
optim_wrapper = dict(
    optimizer=dict(type='RMSprop', lr=1e-4), accumulative_counts=4)
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[20, 40], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
