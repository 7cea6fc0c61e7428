# BU (bottom-up baseline), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
# iNaturalist 2018: the paper has no fine-grained recipe; the ResNet18 recipe
# of the other FGVC configs (whole images, 448 crops, 50 epochs) with 8142
# classes.
_base_ = [
    '../_base_/models/topdown_resnet18.py',
    '../_base_/datasets/inat2018_bs32_448.py',
    '../_base_/schedules/sgd-nesterov_lr0.05_step-25-40_50e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(mode='bu'), head=dict(num_classes=8142, in_channels=512))
