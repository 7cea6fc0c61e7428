# CUB-200-2011, RACNN low-resolution protocol at 100x100
# (racnn-lowres_224.py): each image cropped to its bounding box, bicubic
# down to 100x100 and back up to 224x224.
_base_ = './cub_bbox-lowres_224.py'
train_pipeline = {{_base_.lowres_pipelines.bbox_lr100.train}}
test_pipeline = {{_base_.lowres_pipelines.bbox_lr100.test}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
