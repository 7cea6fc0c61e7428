# Oxford Flowers-102, RACNN low-resolution protocol at 100x100: the same as
# flowers102_lr50_224.py but bicubic down to 100x100 (and back up to 224x224).
_base_ = './flowers102_lr50_224.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='BoxAwareResize',
         scale=(224, 224),
         keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LowResolution', size=100),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='BoxAwareResize',
         scale=(224, 224),
         keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LowResolution', size=100),
    dict(type='PackInputs'),
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
