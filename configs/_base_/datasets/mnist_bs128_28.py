# MNIST at its native 28x28, the pipeline of fashion-mnist_bs128_28.py. Data:
# the four official *-ubyte[.gz] idx files of MNIST in data/mnist.
_base_ = './fashion-mnist_bs128_28.py'
dataset_type = 'MNIST'
data_root = 'data/mnist'
data_preprocessor = dict(
    # mean/std of the MNIST training images (0.1307, 0.3081) x 255
    mean=[33.32],
    std=[78.57])
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
