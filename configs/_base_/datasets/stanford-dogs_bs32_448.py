# Stanford Dogs, whole images at the usual fine-grained resolution: the
# pipeline of fgvc_bs32_448.py (short edge 512, random / centre
# 448x448 crop). Data: the official release in data/stanford_dogs.
_base_ = './fgvc_bs32_448.py'
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
