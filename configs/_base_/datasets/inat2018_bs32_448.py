# iNaturalist 2018 (8,142 species), whole images at the usual fine-grained
# resolution: the pipeline of fgvc_bs32_448.py (short edge 512, random /
# centre 448x448 crop); evaluated on the official val split (the test split
# has no public labels). Data: the official release in data/inaturalist2018
# (see docs/datasets.md).
_base_ = './fgvc_bs32_448.py'
dataset_type = 'INaturalist2018'
data_root = 'data/inaturalist2018'
num_classes = 8142
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
