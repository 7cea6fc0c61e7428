# Stanford Cars, RACNN low-resolution protocol at 100x100
# (racnn-lowres_224.py): each image cropped to its bounding box, bicubic
# down to 100x100 and back up to 224x224.
_base_ = './racnn-lowres_224.py'
dataset_type = 'StanfordCars'
data_root = 'data/stanford_cars'
num_classes = 196

data_preprocessor = dict(num_classes=num_classes)
train_pipeline = {{_base_.lowres_pipelines.bbox_lr100.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr100.test}}
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
