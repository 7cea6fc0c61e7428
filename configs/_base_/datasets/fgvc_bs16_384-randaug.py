# The MetaFormer / GASA fine-grained recipe at 384x384 (timm's
# create_transform as used by both public codes), shared by the 384 dataset
# bases (cub_bs16_384.py, nabirds_bs16_384.py, stanford-cars_bs16_384.py,
# inat2018_bs16_384.py):
#   train: RandomResizedCrop 384 (bicubic), horizontal flip, RandAugment
#          rand-m9-mstd0.5-inc1 (2 ops, magnitude 9 of 10, std 0.5, timm's
#          increasing policies), random erasing p 0.25 (per-pixel noise);
#          Mixup / CutMix are batch augments of the model (train_cfg);
#   test:  short edge resized to 438 (= 384 / 0.875, bicubic), centre crop 384;
#   batch 16 per GPU, ImageNet mean/std, top-1 and mean per-class accuracy.
# Not a dataset config by itself: a dataset base sets the dataloaders'
# dataset (type, data_root, split) and data_preprocessor.num_classes.
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=384,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=bgr_mean,
        fill_std=bgr_std),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=438,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=384),
    dict(type='PackInputs'),
]

# Loaders and metrics as in cls_loaders.py (repeated here so that a dataset
# base inheriting this file stays 2 levels deep; tests/test_configs checks
# that the two agree, but for num_workers and pin_memory).
# GPU-sized loaders for the real fine-grained datasets (full-size JPEGs, a
# decode + resize per image, crops per part): 8 workers per process (per
# GPU; lower it with --cfg-options train_dataloader.num_workers=N on a
# machine with fewer cores), pinned host memory (tools/train.py
# --no-pin-memory turns it off; ignored without a GPU). Training workers
# stay non-persistent: they are restarted every epoch so that
# EpochSeedHook + seed_numpy_from_torch re-seed them and --resume stays
# exact; validation workers persist (no random transforms).
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average='macro'),
]
test_evaluator = val_evaluator
