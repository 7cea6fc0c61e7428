# CUB-200-2011 in the RACNN low-resolution protocol (racnn-lowres_224.py):
# the dataset of every loader; cub_bbox-lr{25,50,100}_224.py add the
# pipelines of their size.
_base_ = './racnn-lowres_224.py'
dataset_type = 'CUB'
data_root = 'data/CUB_200_2011'
num_classes = 200

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_parts=False,
    ))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        with_parts=False,
    ))
test_dataloader = val_dataloader
