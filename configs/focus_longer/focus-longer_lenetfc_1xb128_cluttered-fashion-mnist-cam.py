# Focus-Longer on Cluttered Fashion-MNIST with the classifier's CAM box as
# its patch: the top-scored Grad-CAM box (tools/proposals/pseudo_boxes.py
# --method cam: boxes of the CAM of the predicted class at thresholds 0.4 /
# 0.2 / 0.6, highest score first) of the global LeNetFC of
# global_lenetfc_1xb128_cluttered-fashion-mnist-56.py, instead of the
# ground-truth box of focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py.
# Same model, sizes and schedule; all 60,000 training and 10,000 test
# canvases. Baseline: global_lenetfc_1xb128_cluttered-fashion-mnist-56.py.
# Proposal files: the test file is the `cam` step's
# (bash experiments/proposals/run.sh cam, which makes the training boxes of
# the first 10,000 canvases only); the file of all training canvases:
#   bash experiments/proposals/run.sh cam-train   # cam_train.json
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'

proposal_root = 'work_dirs/proposals/'
pipeline = [
    # highest-scored box, cut from the 112x112 canvas, 28x28
    dict(type='PartCrops', num_parts=1, crop_size=28, source='proposals'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'cam_train.json', pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'cam_test.json', pipeline=pipeline))
test_dataloader = val_dataloader
