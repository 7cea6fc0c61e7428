# Fashion-MNIST (real, Debian's dataset-fashion-mnist; prepared by
# tools/setup.sh into data/fashion_mnist), 28x28 grey images resized to 32x32.
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

# The deterministic resize runs once per image when the dataset is built
# (pre_pipeline: byte-identical to doing it in the pipeline, and the
# pipeline is then never the bottleneck); random transforms stay in it.
pre_pipeline = [dict(type='Resize', scale=32)]
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

# batch_collate: images and sample tensors batched in the worker (a batch
# crosses to the main process in a few shared-memory blocks; same values)
train_dataloader = dict(
    batch_size=128,
    collate_fn=dict(type='mmfg.batch_collate'),
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
