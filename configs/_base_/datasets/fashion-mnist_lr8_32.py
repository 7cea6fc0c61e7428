# Fashion-MNIST at low resolution (RACNN protocol on the embedded default):
# 28x28 grey images resized to 32x32, bicubic down to 8x8 (4x, like CUB's
# 224 -> 50) and bicubic back up to 32x32.
_base_ = './cls_loaders.py'
dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'
num_classes = 10

data_preprocessor = dict(
    num_classes=num_classes,
    # mean/std of the Fashion-MNIST training images (0.2860, 0.3530) x 255
    mean=[72.94],
    std=[90.02],
    to_rgb=False,
)

# The deterministic resize and low-resolution steps run once per image when
# the dataset is built (pre_pipeline: byte-identical to doing them in the
# pipeline, which is then never the bottleneck); random ones stay in it.
pre_pipeline = [
    dict(type='Resize', scale=32, interpolation='bicubic'),
    dict(type='LowResolution', size=8),
]
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pre_pipeline=pre_pipeline,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pre_pipeline=pre_pipeline,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
