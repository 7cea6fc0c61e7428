# Recipe: SGD Nesterov lr 0.05 (batch 64), x0.1 at 50% / 80%, 50 epochs;
# Top-Down Networks (Lelekas et al., CVPR-W 2020, Sec. 4), ResNet18.
# Top-Down ResNet18 from scratch (Imagenette, FGVC sets). Paper Sec. 4: SGD
# with momentum 0.9, learning rate divided by 10 at 50% and 80% of the epochs;
# the rest as the reference code's Imagenette runs: 50 epochs, weight decay
# 1e-3, Nesterov, lr 0.05 for a batch of 64 (BU: 0.1 for 128, the same lr per
# image). Datasets with another batch size: add --auto-scale-lr.
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[25, 40], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 64
auto_scale_lr = dict(base_batch_size=64)
