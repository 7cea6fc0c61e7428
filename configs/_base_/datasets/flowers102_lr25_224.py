# Oxford Flowers-102, RACNN low-resolution protocol at 25x25
# (racnn-lowres_224.py): each image bicubic down to 25x25 and back up to
# 224x224.
_base_ = './flowers102_lowres_224.py'
train_pipeline = {{_base_.lowres_pipelines.lr25.train}}
test_pipeline = {{_base_.lowres_pipelines.lr25.test}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
