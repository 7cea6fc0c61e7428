# Recipe: SGD Nesterov lr 0.1, no decay, x0.1 at epochs 2 / 3, 4 epochs;
# Top-Down Networks (Lelekas et al., CVPR-W 2020, Sec. 4) shortened for CPU.
# Top-Down networks on MNIST / Fashion-MNIST (28x28), LeNetFC and NIN-light.
# Paper Sec. 4: SGD with momentum 0.9, learning rate divided by 10 at 50% and
# 80% of the epochs (lr, batch size and weight decay from a linear search; the
# reference code uses lr 0.1, Nesterov momentum, no weight decay, batch 128).
# SHORTER THAN THE PAPER: 4 epochs (decay at epochs 2 and 3, i.e. 50% / 75%)
# instead of the reference code's 40-50, so that one run takes minutes on
# 2 CPU cores. Paper-length run:
#   --cfg-options train_cfg.max_epochs=40 param_scheduler.milestones=[20,32]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[2, 3], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128 (1 process x 128)
auto_scale_lr = dict(base_batch_size=128)
