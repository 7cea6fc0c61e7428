# Fashion-MNIST at its native 28x28 (the Top-Down paper's input size, Sec. 4),
# no augmentation (as the paper's reference code). Real data: Debian's
# dataset-fashion-mnist, prepared by tools/setup.sh into data/fashion_mnist.
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

train_pipeline = [dict(type='PackInputs')]
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
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
