# FVE (Korsch et al. Table 1) on NABirds with
# ground-truth parts: global InceptionV3 + part InceptionV3 + FVE, the paper
# recipe (_base_/fve_inception-v3_birds.py).
_base_ = [
    './_base_/nabirds_gt-parts_299.py',
    './_base_/fve_inception-v3_birds.py',
]
model = dict(head=dict(num_classes=555), local_head=dict(num_classes=555))
data_preprocessor = dict(num_classes=555)
