# Stanford Cars, whole images at the usual fine-grained resolution: short edge
# resized to 512, random 448x448 crop + horizontal flip for training, centre
# 448x448 crop for testing. Data: the official release in data/stanford_cars
# (see docs/datasets.md).
# (pipelines, loaders and metrics: fgvc_bs32_448.py)
_base_ = './fgvc_bs32_448.py'
dataset_type = 'StanfordCars'
data_root = 'data/stanford_cars'
num_classes = 196
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train',
        with_bbox=False))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, with_bbox=False))
test_dataloader = val_dataloader
