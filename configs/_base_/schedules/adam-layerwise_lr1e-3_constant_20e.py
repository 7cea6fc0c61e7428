# Recipe: Adam lr 1e-3, constant, 20 epochs, per-layer SR multipliers;
# p-RACNN SR pre-training (Cai et al., PRL 2019, Sec. II-C, eq. 4).
# p-RACNN SR pre-training schedule (Cai et al. Sec. II-C, eq. (4)): the SR
# layers alone, MSE on LR/HR patch pairs, with the paper's per-layer
# multipliers of the end-to-end training, written once here:
#   sconv1 / sconv2: lr x1,   decay x0.1
#   sconv3:          lr x0.1, decay x0.1
# (keys of SRPretrainer and RACNN alike: sr.sconv{1,2,3}.*).
#
# Adam by default: from the SRCNN-style Gaussian init (std 0.001) the
# gradients of three stacked layers are ~1e-6, and plain SGD does not move
# in a practical number of steps (SRCNN trained for ~1e8 back-propagations).
# The paper's SGD (SRCNN's lr 1e-4, x0.1 on the last layer) is a switch:
#   --cfg-options optim_wrapper.optimizer.type=SGD \
#       optim_wrapper.optimizer.lr=1e-4 optim_wrapper.optimizer.momentum=0.9
# or, in a config inheriting this one:
#   optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9))
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={
            'sr.sconv1': dict(lr_mult=1.0, decay_mult=0.1),
            'sr.sconv2': dict(lr_mult=1.0, decay_mult=0.1),
            'sr.sconv3': dict(lr_mult=0.1, decay_mult=0.1),
        }))
# constant lr
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 64 patch pairs
auto_scale_lr = dict(base_batch_size=64)
