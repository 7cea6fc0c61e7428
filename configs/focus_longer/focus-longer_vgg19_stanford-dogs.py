# Focus-Longer on Stanford Dogs (paper Table 2: VGG19 77.2 -> 78.7), the
# recipe of focus-longer_vgg19_cub.py with 120 classes; patches: the
# ground-truth dog boxes (an oracle; focus-longer_vgg19_stanford-dogs-
# proposals.py uses the proposals stage's boxes).
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/focus-longer_stanford-dogs_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=120), local_head=dict(num_classes=120))
