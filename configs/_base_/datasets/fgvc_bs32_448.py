# The usual fine-grained protocol on whole images, shared by the FGVC dataset
# bases (cub_bs32_448.py, stanford-cars_bs32_448.py, fgvc-aircraft_bs32_448.py,
# flowers102_bs32_448.py and their twins): short edge resized to 512, random
# 448x448 crop + horizontal flip for training, centre 448x448 crop for
# testing, ImageNet mean/std, batch 32, top-1 and mean per-class accuracy.
# Not a dataset config by itself: a dataset base inherits it and sets
# data_preprocessor.num_classes and the dataloaders' dataset type, data_root
# and training split.
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=512, edge='short'),
    dict(type='RandomCrop', crop_size=448),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=512, edge='short'),
    dict(type='CenterCrop', crop_size=448),
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
    batch_size=32,
    num_workers=8,
    pin_memory=True,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
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
