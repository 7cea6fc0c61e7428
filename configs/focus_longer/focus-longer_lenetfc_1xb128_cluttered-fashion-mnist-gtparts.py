# Focus-Longer on Cluttered Fashion-MNIST with SEVERAL patches per image, so
# that the evaluation protocols differ: the 4 ground-truth parts (centres of
# the object box's 2x2 grid cells) each give a 28x28 patch (a square of side
# 0.25 * 112 = 28 canvas pixels around the point; invisible parts are
# invalid). Training draws one valid patch per image and step; evaluation
# 'mean' (default) / 'first' (the top-left valid part) / seeded 'random'.
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='gt_keypoints',
        part_size=0.25),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
