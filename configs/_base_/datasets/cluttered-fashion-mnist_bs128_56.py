# Cluttered Fashion-MNIST, global only at 56x56: the 112x112 canvas resized
# (bilinear) to 56x56, the global-stream input of
# cluttered-fashion-mnist_gtbox-patch_56-28.py without the patch.
_base_ = './cluttered-fashion-mnist_bs128_112.py'

train_pipeline = [
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
