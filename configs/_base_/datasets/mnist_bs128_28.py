# MNIST at its native 28x28, the pipeline of fashion-mnist_bs128_28.py. Data:
# the four official *-ubyte[.gz] idx files of MNIST in data/mnist.
_base_ = './cls_loaders.py'
dataset_type = 'MNIST'
data_root = 'data/mnist'
num_classes = 10

data_preprocessor = dict(
    num_classes=num_classes,
    # mean/std of the MNIST training images (0.1307, 0.3081) x 255
    mean=[33.32],
    std=[78.57],
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
