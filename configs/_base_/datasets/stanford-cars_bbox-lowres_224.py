# Stanford Cars in the RACNN low-resolution protocol (racnn-lowres_224.py):
# the dataset of every loader; stanford-cars_bbox-lr{25,50,100}_224.py add the
# pipelines of their size.
_base_ = './racnn-lowres_224.py'
dataset_type = 'StanfordCars'
data_root = 'data/stanford_cars'
num_classes = 196

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
    ))
val_dataloader = dict(dataset=dict(
    type=dataset_type,
    data_root=data_root,
))
test_dataloader = val_dataloader
