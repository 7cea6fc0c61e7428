# Focus-Longer on NABirds (no paper number for NABirds: the paper reports
# CUB-200-2011 and Stanford Dogs only), the recipe of focus-longer_vgg19_cub.py
# with 555 classes; patch: the ground-truth bird box (an oracle;
# focus-longer_vgg19_nabirds-proposals.py uses the proposals stage's boxes).
# Its baseline: global_vgg19_nabirds.py.
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/focus-longer_nabirds_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=555), local_head=dict(num_classes=555))
