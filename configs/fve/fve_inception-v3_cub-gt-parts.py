# FVE (Korsch et al. Table 1) on CUB with
# ground-truth parts: global InceptionV3 + part InceptionV3 + FVE, the paper
# recipe (_base_/fve_inception-v3_birds.py).
_base_ = [
    './_base_/cub_gt-parts_299.py',
    './_base_/fve_inception-v3_birds.py',
]
model = dict(head=dict(num_classes=200), local_head=dict(num_classes=200))
data_preprocessor = dict(num_classes=200)
