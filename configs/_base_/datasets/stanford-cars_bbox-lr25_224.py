# Stanford Cars, RACNN low-resolution protocol (Cai et al. Sec. 3.1): each image
# cropped to its bounding box, resized to 224x224, bicubic down to 25x25 and back up to 224x224.
dataset_type = 'StanfordCarsBoxes'
data_root = 'data/stanford_cars'
num_classes = 196

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropToBBox'),
    dict(type='BoxAwareResize',
         scale=(224, 224),
         keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LowResolution', size=25),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropToBBox'),
    dict(type='BoxAwareResize',
         scale=(224, 224),
         keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LowResolution', size=25),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 split='test',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader

# Top-1 and mean per-class accuracy (RACNN's metric = macro recall).
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average='macro'),
]
test_evaluator = val_evaluator
