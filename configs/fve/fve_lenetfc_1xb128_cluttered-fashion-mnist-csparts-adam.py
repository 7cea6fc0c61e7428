# FVE with CS-parts (Table 2's part source) in the Adam family: the model,
# optimiser (Adam lr 1e-3, eps 0.1, x0.1 after epochs 4 / 8, 12 epochs) and
# pre-trained CNNs of fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py,
# with the parts of fve_lenetfc_1xb128_cluttered-fashion-mnist-csparts.py: the
# 4 boxes per image of the proposals stage (classification-specific parts of
# the global LeNetFC, Korsch et al. GCPR 2019), highest score first, each cut
# from the 112 canvas and resized to 28x28; fewer than 4 boxes = missing
# parts (not encoded: visible-only). Baseline: noparts_lenetfc_1xb128_cluttered-fashion-mnist-adam.py.
# Proposal files (all 60,000 training and 10,000 test canvases), made by
#   bash experiments/proposals/run.sh cs-parts
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
        proposal_file='work_dirs/proposals/cs_parts_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    dataset=dict(
        proposal_file='work_dirs/proposals/cs_parts_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
