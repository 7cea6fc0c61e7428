# Birdsnap, whole images at the usual fine-grained resolution: the pipeline
# of fgvc_bs32_448.py (short edge 512, random / centre 448x448 crop). Data:
# the official release in data/birdsnap (see docs/datasets.md).
_base_ = './fgvc_bs32_448.py'
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
