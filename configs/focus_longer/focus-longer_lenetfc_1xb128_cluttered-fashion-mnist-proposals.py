# Focus-Longer on Cluttered Fashion-MNIST with WEAKLY SUPERVISED patches:
# the top box of the proposal files made by the proposals stage
# (configs/proposals: classifier CAM boxes -> MMDetection RPN -> N boxes per
# image) instead of the ground-truth box of
# focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py. Same model,
# sizes and schedule. CPU budget: the proposal file covers the FIRST 10,000
# training canvases (indices=10000; the other 50,000 have empty entries) and
# all 10,000 test canvases; make them
# with experiments/proposals/run.sh (configs/proposals).
# (the bases of the ground-truth-box config, the patch source swapped below)
_base_ = [
    '../_base_/models/focus-longer_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]

proposal_root = 'work_dirs/proposals/'
pipeline = [
    # highest-scored proposal, cut from the 112x112 canvas, 28x28
    dict(type='PartCrops', num_parts=1, crop_size=28, source='proposals'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(
    dataset=dict(
        indices=10000,
        proposal_file=proposal_root + 'rpn_cam_train10k.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file=proposal_root + 'rpn_cam_test.json', pipeline=pipeline))
test_dataloader = val_dataloader
