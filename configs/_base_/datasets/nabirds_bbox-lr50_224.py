# NABirds, RACNN low-resolution protocol at 50x50 (racnn-lowres_224.py): each
# image cropped to its bounding box, bicubic down to 50x50 and back up to
# 224x224.
_base_ = './racnn-lowres_224.py'
dataset_type = 'NABirds'
data_root = 'data/nabirds'
num_classes = 555

data_preprocessor = dict(num_classes=num_classes)
train_pipeline = {{_base_.lowres_pipelines.bbox_lr50.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr50.test}}
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        with_parts=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        with_parts=False,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
