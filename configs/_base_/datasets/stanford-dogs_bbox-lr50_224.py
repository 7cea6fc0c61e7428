# Stanford Dogs, RACNN low-resolution protocol at 50x50 (racnn-lowres_224.py):
# each image cropped to its bounding box (the box enclosing all dogs), bicubic
# down to 50x50 and back up to 224x224.
_base_ = './racnn-lowres_224.py'
dataset_type = 'StanfordDogs'
data_root = 'data/stanford_dogs'
num_classes = 120

data_preprocessor = dict(num_classes=num_classes)
train_pipeline = {{_base_.lowres_pipelines.bbox_lr50.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr50.test}}
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
