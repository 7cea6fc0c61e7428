# SGD fine-tuning of the plain CNN with the same multipliers RACNN gives its
# categorisation layers (Cai et al. Sec. 2.3): lr x0.1, decay x0, except the
# last fc (lr x1, decay x1).
# Layer names of lenet5 (last fc: backbone.classifier.2).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1, decay_mult=0.0),
            'backbone.classifier.2': dict(lr_mult=1.0, decay_mult=1.0),
        }))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[1], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128
auto_scale_lr = dict(base_batch_size=128)
