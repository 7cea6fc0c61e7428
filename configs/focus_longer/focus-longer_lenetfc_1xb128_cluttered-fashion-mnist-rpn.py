# Focus-Longer on Cluttered Fashion-MNIST with the weakly supervised
# detector's patch on ALL 60,000 training canvases: the top proposal of
# the 1,500-iteration RPN trained on CAM pseudo boxes
# (configs/proposals/rpn_r18-tiny_fpn_1xb16-1500it_cluttered-fashion-mnist-
# cam.py), the detector of the 3-seed runs of experiments/proposals, in
# place of the ground-truth box of
# focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py.
# focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py is the
# same model on the 300-iteration RPN's boxes of the first 10,000 training
# canvases. Same model, sizes and schedule.
# Baseline: global_lenetfc_1xb128_cluttered-fashion-mnist-56.py.
# Proposal files (all 60,000 training and 10,000 test canvases):
#   bash experiments/proposals/run.sh detector-long   # RPN + the test file
#   bash experiments/proposals/run.sh generate-1500it   # rpn_cam_1500it_train.json
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'

proposal_root = 'work_dirs/proposals/'
pipeline = [
    # highest-scored proposal, cut from the 112x112 canvas, 28x28
    dict(type='PartCrops', num_parts=1, crop_size=28, source='proposals'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'rpn_cam_1500it_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'rpn_cam_1500it_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
