# Imagenette v2 (10 easy ImageNet classes; the Top-Down paper's ResNet18
# experiment), the reference code's 128x128 protocol: train images resized to
# 156x156, AlexNet-style PCA lighting jitter, random 128x128 crop and
# horizontal flip; validation images resized to 128x128. Data: an extracted
# imagenette2 / imagenette2-320 release in data/imagenette2-320 (see
# docs/datasets.md); the official 'val' split is the test set.
_base_ = './cls_loaders.py'
dataset_type = 'Imagenette'
data_root = 'data/imagenette2-320'
num_classes = 10

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

# ImageNet PCA lighting parameters, in BGR order (images are loaded as BGR)
EIGVAL = [55.4625, 4.7940, 1.1475]
EIGVEC = [
    [-0.5836, -0.6948, 0.4203],
    [-0.5808, -0.0045, -0.8140],
    [-0.5675, 0.7192, 0.4009],
]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(156, 156), keep_ratio=False),
    dict(
        type='Lighting',
        eigval=EIGVAL,
        eigvec=EIGVEC,
        alphastd=0.1,
        to_rgb=False),
    dict(type='RandomCrop', crop_size=128),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=False),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
