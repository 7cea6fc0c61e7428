# CIFAR-10 (python batches in data/cifar10/cifar-10-batches-py, see
# docs/datasets.md), 32x32 RGB, no augmentation (the Top-Down paper's
# "CIFAR10" setting, Sec. 4).
_base_ = './cls_loaders.py'
dataset_type = 'CIFAR10'
data_root = 'data/cifar10'
num_classes = 10

data_preprocessor = dict(
    num_classes=num_classes,
    # per-channel mean/std of the CIFAR-10 training images (RGB, 0-255)
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    # the arrays are RGB already
    to_rgb=False,
)

train_pipeline = [dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
