# The stand-in for the iNaturalist 2021 pre-training the GASA study starts
# from (Ma et al. 2025, Sec. 4.2: "The backbone network was initialized with
# weights pretrained on iNaturalist 2021"; the public code, bingbeu/GASA,
# fine-tunes MetaFormer's MetaFG checkpoint, which has no gradient tokens:
# they start new). Here: the plain 'tiny' hybrid WITHOUT gradient tokens
# (the model of gasa_tiny_1xb64_cluttered-fashion-mnist-no-grad-tokens.py,
# img_size 112) trained on the 60,000 plain Fashion-MNIST training images
# resized to 112x112 (bilinear, as the items of the cluttered canvases are
# resized; once per image when the dataset is built), no augmentation (as
# the GASA Fashion-MNIST configs), the inputs normalised with the Cluttered
# Fashion-MNIST canvas mean/std the study's configs use (as ImageNet
# statistics serve pre-training and fine-tuning alike). Recipe: the GASA
# CPU configs' shape (AdamW lr 2e-3, weight decay 0.05, 20 warm-up
# iterations then cosine to 0 over all epochs per iteration, grad clip 5,
# label smoothing 0.1, batch 64), 4 epochs (3,752 iterations). At 112 px
# the two transformer stages see 14x14 and 7x7 token grids, the study's
# grids, so the relative position tables carry over unchanged. The study's
# -fmpt configs load `backbone.*` only: the 10-class head starts new (as
# the paper's head for each dataset). Source and target share the label
# space and the training objects; the test canvases are built from the
# 10,000 test images, never trained on here.
_base_ = [
    '../_base_/models/gasa_tiny.py',
    '../_base_/datasets/fashion-mnist_bs128_28.py',
    '../_base_/schedules/adamw_lr2e-3_warmup-cos_1e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(img_size=112, grad_tokens=None))
# the canvas statistics of configs/_base_/datasets/cluttered-fashion-mnist_*
data_preprocessor = dict(mean=[22.08], std=[59.17])
pre_pipeline = [dict(type='Resize', scale=112, interpolation='bilinear')]
train_dataloader = dict(batch_size=64, dataset=dict(pre_pipeline=pre_pipeline))
val_dataloader = dict(dataset=dict(pre_pipeline=pre_pipeline))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        by_epoch=True,
        begin=0,
        end=4,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=4)
default_hooks = dict(logger=dict(interval=50))
