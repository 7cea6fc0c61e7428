# Recipe: SGD lr 0.02, momentum 0.9, x0.1 at epochs 3 / 4, 5 epochs; mmfg's
# own CPU default for LeNet-5 (no paper).
# SGD, 5 epochs, step decay: the CPU-minutes schedule of the embedded default.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[3, 4], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# Learning rate above is for a total batch of 128 (1 process x 128).
auto_scale_lr = dict(base_batch_size=128)
