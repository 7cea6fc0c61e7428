# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py (the same model,
# data, part protocol and initialisation: from scratch, joint from step 1)
# with an adaptive optimiser: Adam lr 1e-3, eps 0.1 (the authors' scripts),
# x0.1 after 1/3 and 2/3 of 12 epochs (the paper's step shape), validation
# every epoch (the curve); w_aux 0.5 halved every 4 epochs (the paper:
# every 20 of 60). The Fisher vector's per-dimension scales (1 / sigma,
# 1 / sigma^2, eqs. 13-14) need a per-parameter step size.
_base_ = [
    '../_base_/models/fve_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/adam-eps0.1_lr1e-3_step-4-8_12e.py',
    '../_base_/default_runtime.py',
]
pipeline = [
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=28,
        source='gt_keypoints',
        part_size=0.25,
        part_order='shuffled'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AuxLossWeightHook', interval=4, factor=0.5)
]
