# FVE (Korsch et al. Table 1) on Birdsnap with
# ground-truth parts: global InceptionV3 + part InceptionV3 + FVE, the paper
# recipe (configs/_base_/models/fve_inception-v3_birds.py).
_base_ = [
    '../_base_/models/fve_inception-v3_birds.py',
    '../_base_/datasets/birdsnap_gt-parts_299.py',
    '../_base_/schedules/rmsprop_lr1e-4_step-20-40_60e.py',
    '../_base_/default_runtime.py',
]
# auxiliary classifier on the 17 pooled parts concatenated (17 x 2048)
model = dict(
    head=dict(num_classes=500),
    local_head=dict(num_classes=500, aux_channels=17 * 2048))
data_preprocessor = dict(num_classes=500)
# w_aux 0.5, halved every 20 epochs (Sec. 4.2)
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AuxLossWeightHook', interval=20, factor=0.5)
]
