# Recipe: SGD Nesterov lr 0.1, wd 5e-4, x0.1 at 50% / 80%, 100 epochs;
# Top-Down Networks (Lelekas et al., CVPR-W 2020, Sec. 4), CIFAR-10.
# Top-Down networks on CIFAR-10 without augmentation, NIN and ResNet32.
# Paper Sec. 4: SGD with momentum 0.9, learning rate divided by 10 at 50% and
# 80% of the epochs; lr / batch / weight decay / epochs as in the reference
# code: lr 0.1 (Nesterov), batch 128, weight decay 5e-4, 100 epochs.
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[50, 80], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128
auto_scale_lr = dict(base_batch_size=128)
