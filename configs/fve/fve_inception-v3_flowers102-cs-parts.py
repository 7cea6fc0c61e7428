# FVE (Korsch et al.) on Oxford Flowers-102 with CS-parts: the paper gives no
# Oxford Flowers-102 recipe, so this is its birds recipe (Table 2: global
# InceptionV3 + part InceptionV3 + FVE at 299, RMSProp 1e-4, 60 epochs;
# configs/_base_/models/fve_inception-v3_birds.py) with 102 classes.
# No part annotations: the 4 parts per image are the proposals stage's
# CS-parts (configs/_base_/datasets/flowers102_cs-parts_299.py).
_base_ = [
    '../_base_/models/fve_inception-v3_birds.py',
    '../_base_/datasets/flowers102_cs-parts_299.py',
    '../_base_/schedules/rmsprop_lr1e-4_step-20-40_60e.py',
    '../_base_/default_runtime.py',
]
# auxiliary classifier on the 4 pooled parts concatenated (4 x 2048)
model = dict(
    head=dict(num_classes=102),
    local_head=dict(num_classes=102, aux_channels=4 * 2048))
data_preprocessor = dict(num_classes=102)
# w_aux 0.5, halved every 20 epochs (Sec. 4.2)
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='AuxLossWeightHook', interval=20, factor=0.5)
]
