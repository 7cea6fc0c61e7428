# iNaturalist 2018, RACNN low-resolution protocol at 50x50
# (racnn-lowres_224.py): the whole image (no boxes), bicubic down to 50x50 and
# back up to 224x224.
_base_ = './racnn-lowres_224.py'
dataset_type = 'INaturalist2018'
data_root = 'data/inaturalist2018'
num_classes = 8142

data_preprocessor = dict(num_classes=num_classes)
train_pipeline = {{_base_.lowres_pipelines.lr50.train}}
test_pipeline = {{_base_.lowres_pipelines.lr50.test}}
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
        split='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
