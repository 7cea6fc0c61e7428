# Recipe: SGD lr 0.02 with Cai et al.'s per-layer multipliers (PRL 2019,
# Sec. II-C), x0.1 after epoch 1, 2 epochs, last fc of LeNet-5; CPU size.
# RACNN fine-tuning schedule for LeNet-5 on low-resolution Fashion-MNIST (CPU
# minutes): 2 epochs, lr 0.02 for a batch of 128 (last fc:
# backbone.classifier.2).
_base_ = './sgd-layerwise_lr1e-3_step-20_30e.py'
optim_wrapper = dict(
    optimizer=dict(lr=0.02, weight_decay=0.0001),
    paramwise_cfg=dict(
        custom_keys={
            'backbone.classifier.2': dict(lr_mult=1.0, decay_mult=1.0)
        }))
param_scheduler = dict(milestones=[1])
train_cfg = dict(max_epochs=2)
auto_scale_lr = dict(base_batch_size=128)
