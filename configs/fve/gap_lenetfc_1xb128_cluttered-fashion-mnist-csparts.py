# The GAP baseline with CS-parts on Cluttered Fashion-MNIST: the 4 boxes in
# score order, each part's ConvMap pooled, concatenated (zeros for missing
# boxes). Otherwise gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py.
_base_ = './gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='proposals',
        part_order='ordered'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/cs_parts_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/cs_parts_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
