# Focus-Longer on Cluttered Fashion-MNIST with CS-parts as its patches: the
# multi-patch protocol of focus-longer_lenetfc_1xb128_cluttered-fashion-
# mnist-gtparts.py (training draws one valid patch per image and step;
# evaluation 'mean' over the valid patches) on the 4 CS-parts boxes of the
# proposals stage (classification-specific parts of the global LeNetFC,
# Korsch et al. GCPR 2019), each cut from the 112x112 canvas and resized to
# 28x28, in score order. Parts, not the object: the top part covers the
# item (IoU >= 0.5) on 44% of the test canvases, one of the 4 on 81%
# (experiments/proposals). Same model, sizes and schedule as the
# ground-truth-box config; all 60,000 training and 10,000 test canvases.
# Baseline: global_lenetfc_1xb128_cluttered-fashion-mnist-56.py.
# Proposal files: bash experiments/proposals/run.sh cs-parts
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'

proposal_root = 'work_dirs/proposals/'
pipeline = [
    dict(type='PartCrops', num_parts=4, crop_size=28, source='proposals'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root +
        'cs_parts_train.json', pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'cs_parts_test.json', pipeline=pipeline))
test_dataloader = val_dataloader
