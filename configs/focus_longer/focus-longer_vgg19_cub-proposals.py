# Focus-Longer on CUB-200-2011 (paper Table 1: VGG19 77.8 -> 79.6 with its
# ProtoPNet-style patches), the public recipe of focus-longer_vgg19_cub.py, on
# WEAKLY SUPERVISED patches: up to 10 proposals per image from the proposals
# stage (configs/_base_/datasets/cub_proposal-patches_448-224.py).
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/cub_proposal-patches_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
