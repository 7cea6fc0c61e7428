# Recipe: SGD Nesterov lr 0.1, no decay, x0.1 after epoch 1, 2 epochs; the
# Top-Down recipe (Lelekas et al., CVPR-W 2020, Sec. 4) cut to the CPU budget.
# The schedule of the Cluttered Fashion-MNIST runs (global-only, oracle box,
# Focus-Longer, FVE) and the plug-and-play neck on Fashion-MNIST, so that a
# 112x112 run takes minutes on 2 cores: lr 0.1 for one epoch, then 0.01.
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128 (1 process x 128)
auto_scale_lr = dict(base_batch_size=128)
