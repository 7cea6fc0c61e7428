# FGVC-Aircraft, whole images, the MetaFormer / GASA recipe at 384
# (fgvc_bs16_384-randaug.py); trainval = train + val, evaluated on test. Data:
# the official release in data/fgvc-aircraft-2013b (see docs/datasets.md).
_base_ = './fgvc_bs16_384-randaug.py'
dataset_type = 'FGVCAircraft'
data_root = 'data/fgvc-aircraft-2013b'
num_classes = 100
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='trainval',
        with_bbox=False))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, with_bbox=False))
test_dataloader = val_dataloader
