# iNaturalist 2018 (8,142 species; mmfg/datasets/inaturalist.py), the
# MetaFormer / GASA recipe at 384 (fgvc_bs16_384-randaug.py); evaluated on the
# official val split (the test split has no public labels). Data: the official
# release in data/inaturalist2018 (see docs/datasets.md).
_base_ = './fgvc_bs16_384-randaug.py'
dataset_type = 'INaturalist2018'
data_root = 'data/inaturalist2018'
num_classes = 8142
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
