# Cluttered Fashion-MNIST, oracle localisation (bbox): every canvas (see
# cluttered-fashion-mnist_bs128_112.py) cropped to its ground-truth object box
# and resized to 28x28 (no aspect ratio kept, as box crops of CUB/Cars are
# squashed to the network input): what a perfect localiser would hand to a
# classifier. The clutter that lies inside the box stays.
_base_ = './cluttered-fashion-mnist_bs128_112.py'

data_preprocessor = dict(
    # mean/std of the oracle crops (every 30th training sample)
    mean=[106.86],
    std=[82.07],
)

train_pipeline = [
    dict(type='CropToBBox'),
    dict(type='Resize', scale=(28, 28), keep_ratio=False),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

# batch_collate: images and sample tensors batched in the worker (a batch
# crosses to the main process in a few shared-memory blocks; same values)
train_dataloader = dict(
    collate_fn=dict(type='mmfg.batch_collate'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
