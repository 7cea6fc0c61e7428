# The RACNN low-resolution protocol (Cai et al. Sec. III-A), shared by the
# cub_bbox-lr*, stanford-cars_bbox-lr* and flowers102_lr* bases: the image
# (cropped to its bounding box first for the 'bbox_' variants: Cars, Birds)
# goes straight to s x s (bicubic, anti-aliased; s = 25, 50, 100) and back
# up to the network's input size (bicubic): 224x224 for VGG / GoogLeNet
# ('lr50', 'bbox_lr50'), 227x227 for AlexNet ('lr50_227', 'bbox_lr50_227');
# no resize before the low-resolution step. Horizontal flip for training;
# ImageNet mean/std; batch 32; top-1 and mean per-class accuracy.
# Not a dataset config by itself: a dataset base inherits it, sets
# data_preprocessor.num_classes and the dataloaders' dataset (type,
# data_root, training split) and picks its pipelines from lowres_pipelines,
# e.g. train_pipeline = {{_base_.lowres_pipelines.bbox_lr50.train}}.


def _lowres_pipeline(size, crop_to_box, train, out_size):
    return ([dict(type='LoadImageFromFile')] +
            ([dict(type='CropToBBox')] if crop_to_box else []) +
            [dict(type='LowResolution', size=size, out_size=out_size)] +
            ([dict(type='RandomFlip', prob=0.5, direction='horizontal')]
             if train else []) + [dict(type='PackInputs')])


lowres_pipelines = {
    f'{prefix}lr{size}{suffix}':
    dict(
        train=_lowres_pipeline(size, bool(prefix), True, out_size),
        test=_lowres_pipeline(size, bool(prefix), False, out_size))
    for size in (25, 50, 100)
    for prefix in ('', 'bbox_')
    for suffix, out_size in (('', 224), ('_227', 227))
}

data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

# Loaders as in cls_loaders.py (repeated here so that a dataset base
# inheriting this file stays 2 levels deep; tests/test_configs checks that
# the two agree, but for num_workers and pin_memory).
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
)
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    pin_memory=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test'),
)
test_dataloader = val_dataloader

# Metric: RACNN's average per-class accuracy (= macro recall), with top-1.
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average='macro'),
]
test_evaluator = val_evaluator
