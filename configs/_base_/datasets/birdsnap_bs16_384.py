# Birdsnap, whole images, the MetaFormer / GASA recipe at 384
# (fgvc_bs16_384-randaug.py). Data: the official release in data/birdsnap (see
# docs/datasets.md).
_base_ = './fgvc_bs16_384-randaug.py'
dataset_type = 'Birdsnap'
data_root = 'data/birdsnap'
num_classes = 500
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_bbox=False,
        with_parts=False))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        with_bbox=False,
        with_parts=False))
test_dataloader = val_dataloader
