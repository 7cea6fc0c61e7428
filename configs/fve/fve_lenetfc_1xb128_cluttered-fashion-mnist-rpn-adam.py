# FVE in the Adam family with the weakly supervised detector's regions as
# its part set: the model, optimiser (Adam lr 1e-3, eps 0.1, x0.1 after
# epochs 4 / 8, 12 epochs) and pre-trained CNNs of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py, with the 4
# highest-scored proposals of the RPN trained on CAM pseudo boxes
# (configs/proposals/rpn_r18-tiny_fpn_1xb16-1500it_cluttered-fashion-mnist-
# cam.py; NMS 0.5, 10 per image), each cut from the 112 canvas and resized
# to 28x28, in score order. They are object-level regions (overlapping
# candidate boxes of the item), not parts: the row measures what FVE makes
# of the detector's boxes, not the paper's part claim.
# Baseline: noparts_lenetfc_1xb128_cluttered-fashion-mnist-adam.py.
# Proposal files (all 60,000 training and 10,000 test canvases):
#   bash experiments/proposals/run.sh detector-long   # RPN + the test file
#   bash experiments/proposals/run.sh generate-1500it   # rpn_cam_1500it_train.json
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py'
model = dict(local_neck=dict(use_missing_parts=False))
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
        proposal_file='work_dirs/proposals/rpn_cam_1500it_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/rpn_cam_1500it_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
