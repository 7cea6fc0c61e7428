# GASA on Fashion-MNIST (28x28 grey), CPU budget: the 'tiny' hybrid with
# G = 4 gradient tokens (configs/_base_/models/gasa_tiny.py), trained on the
# first 12,000 training images for one epoch at batch 64 (188 iterations;
# schedule: configs/_base_/schedules/adamw_lr2e-3_warmup-cos_1e.py) and evaluated on
# the full 10,000-image test set. The with/without experiment of
# experiments/gasa/README.md (experiments/gasa/run.sh).
_base_ = [
    '../_base_/models/gasa_tiny.py',
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/adamw_lr2e-3_warmup-cos_1e.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=64, dataset=dict(indices=12000))
default_hooks = dict(logger=dict(interval=20))
