# Oxford Flowers-102 in the RACNN low-resolution protocol (racnn-lowres_224.py):
# the dataset of every loader; flowers102_lr{25,50,100}_224.py add the
# pipelines of their size.
_base_ = './racnn-lowres_224.py'
dataset_type = 'Flowers102'
data_root = 'data/flowers102'
num_classes = 102

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='trainval',
    ))
val_dataloader = dict(dataset=dict(
    type=dataset_type,
    data_root=data_root,
))
test_dataloader = val_dataloader
