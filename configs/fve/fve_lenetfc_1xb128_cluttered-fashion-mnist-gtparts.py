# FVE on Cluttered Fashion-MNIST (CPU), ground-truth parts, the paper's full
# model at CPU size (Korsch et al. Sec. 4.5 / Table 1; the model is
# configs/_base_/models/fve_lenetfc.py):
# * global stream: LeNetFC (class conv + GAP) on the 112 canvas resized to
#   56x56: exactly configs/focus_longer/global_lenetfc_1xb128_cluttered-
#   fashion-mnist-56.py (the "no parts" baseline);
# * part stream: its own LeNetFC (32-channel ConvMaps, 7x7 per 28x28 crop)
#   on the 4 ground-truth parts (centres of the object box's 2x2 grid cells;
#   a square of side 0.25 * 112 = 28 canvas pixels around each visible one),
#   FVEPartNeck (4 x 49 local features per image, norm mask, GMM K = 4,
#   lambda 0.9, 'count' normalisation -> 2 * 4 * 32 = 256-d Fisher vector),
#   FVEClsHead (linear on the FV + auxiliary linear on the pooled part
#   features, CE_part = w_aux CE(aux) + (1 - w_aux) CE(FVE));
# * loss 0.5 (CE_global + CE_part); prediction log_softmax(global) +
#   log_softmax(part) (fusion_weights 1, 1).
# Part protocol: Table 1 "shuffled GT parts" (one fixed permutation per
# image, invisible parts zero-filled: their blank crops are encoded too).
# Schedule: the Cluttered Fashion-MNIST CPU schedule of the Focus-Longer
# runs (SGD Nesterov lr 0.1, x0.1 after epoch 1, 2 epochs, batch 128), not
# the paper's 60-epoch RMSProp; w_aux halved after epoch 1 (the paper: every
# 20 of 60 epochs).
_base_ = [
    '../_base_/models/fve_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
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
    dict(type='AuxLossWeightHook', interval=1, factor=0.5)
]
