# Recipe: SGD lr 1e-3 with per-layer multipliers, x0.1 at epoch 20, 30
# epochs; RACNN fine-tuning (Cai et al., PRL 2019, Sec. II-C).
# SGD fine-tuning with the per-layer multipliers of Cai et al. (Sec. II-C),
# shared by the plain CNN (baseline_*) and RACNN (racnn_* = baseline + SR):
#   SR layers        sconv1, sconv2: lr x1, decay x0.1; sconv3: lr x0.1, decay x0.1
#   categorisation   every backbone layer: lr x0.1, decay x0
#   last fc          lr x1, decay x1 (its key is set per architecture)
# The sr.* keys match nothing in a plain classifier.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0005),
    paramwise_cfg=dict(
        custom_keys={
            'sr.sconv1': dict(lr_mult=1.0, decay_mult=0.1),
            'sr.sconv2': dict(lr_mult=1.0, decay_mult=0.1),
            'sr.sconv3': dict(lr_mult=0.1, decay_mult=0.1),
            'backbone': dict(lr_mult=0.1, decay_mult=0.0),
        }))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 32
auto_scale_lr = dict(base_batch_size=32)
