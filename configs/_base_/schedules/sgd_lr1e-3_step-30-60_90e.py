# Recipe: SGD lr 1e-3, momentum 0.9, x0.1 at epochs 30 / 60, 90 epochs;
# Focus-Longer's public code (Shroff et al., CVPR-W 2020).
# Focus-Longer's public recipe: SGD lr 1e-3, momentum 0.9, weight decay
# 5e-4, lr x0.1 at epochs 30 and 60, batch 32 (one process). The public code
# trains "for 500 epochs" (until stopped) and reports the best test epoch;
# we stop at 90 (30 epochs after the last step) and report the last epoch.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=2)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
