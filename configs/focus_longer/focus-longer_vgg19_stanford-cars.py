# Focus-Longer on Stanford Cars (no paper number for Stanford Cars: the paper
# reports CUB-200-2011 and Stanford Dogs only), the recipe of
# focus-longer_vgg19_cub.py with 196 classes; patch: the ground-truth car box
# (an oracle; focus-longer_vgg19_stanford-cars-proposals.py uses the
# proposals stage's boxes). Its baseline: global_vgg19_stanford-cars.py.
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/focus-longer_stanford-cars_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=196), local_head=dict(num_classes=196))
