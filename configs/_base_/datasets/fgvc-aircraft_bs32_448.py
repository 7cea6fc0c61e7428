# FGVC-Aircraft 2013b, whole images at the usual fine-grained resolution: short
# edge resized to 512, random 448x448 crop + horizontal flip for training,
# centre 448x448 crop for testing (trainval = train + val, evaluated on test).
# Data: the official release in data/fgvc-aircraft-2013b (see
# docs/datasets.md).
# (pipelines, loaders and metrics: fgvc_bs32_448.py)
_base_ = './fgvc_bs32_448.py'
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
