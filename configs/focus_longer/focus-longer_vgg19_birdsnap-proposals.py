# Focus-Longer on Birdsnap (no paper number for Birdsnap): the public recipe of
# focus-longer_vgg19_cub.py with 500 classes, on WEAKLY SUPERVISED patches: up
# to 10 proposals per image from the proposals stage
# (configs/_base_/datasets/birdsnap_proposal-patches_448-224.py).
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/birdsnap_proposal-patches_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=500), local_head=dict(num_classes=500))
