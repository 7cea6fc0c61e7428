# Oxford Flowers-102, whole images, the MetaFormer / GASA recipe at 384
# (fgvc_bs16_384-randaug.py); trainval = train + val, evaluated on test. Data:
# the official release in data/flowers102 (see docs/datasets.md).
_base_ = './fgvc_bs16_384-randaug.py'
dataset_type = 'Flowers102'
data_root = 'data/flowers102'
num_classes = 102
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
