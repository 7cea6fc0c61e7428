# Stanford Dogs, whole images, the MetaFormer / GASA recipe at 384
# (fgvc_bs16_384-randaug.py). Data: the official release in data/stanford_dogs
# (see docs/datasets.md).
_base_ = './fgvc_bs16_384-randaug.py'
dataset_type = 'StanfordDogs'
data_root = 'data/stanford_dogs'
num_classes = 120
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train',
        with_bbox=False))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, with_bbox=False))
test_dataloader = val_dataloader
