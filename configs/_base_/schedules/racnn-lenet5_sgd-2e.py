# SGD fine-tuning with RACNN's per-layer multipliers (Cai et al. Sec. 2.3):
# sconv1/sconv2 lr x1, decay x0.1; sconv3 lr x0.1, decay x0.1; the
# categorisation layers lr x0.1, decay x0; the last fc lr x1, decay x1.
# Layer names of lenet5 (last fc: backbone.backbone.classifier.2).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(
        custom_keys={
            'backbone.sr.sconv1': dict(lr_mult=1.0, decay_mult=0.1),
            'backbone.sr.sconv2': dict(lr_mult=1.0, decay_mult=0.1),
            'backbone.sr.sconv3': dict(lr_mult=0.1, decay_mult=0.1),
            'backbone.backbone': dict(lr_mult=0.1, decay_mult=0.0),
            'backbone.backbone.classifier.2': dict(lr_mult=1.0, decay_mult=1.0),
        }))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[1], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128
auto_scale_lr = dict(base_batch_size=128)
