# NABirds, whole images, the MetaFormer / GASA recipe at 384 (the pipeline of
# cub_bs16_384.py). Data: the official release in data/nabirds (see
# docs/datasets.md).
_base_ = './cub_bs16_384.py'
dataset_type = 'NABirds'
data_root = 'data/nabirds'
num_classes = 555
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
