# FVE (Korsch et al. Table 2) on Birdsnap with
# CS-parts: global InceptionV3 + part InceptionV3 + FVE, the paper
# recipe (_base_/fve_inception-v3_birds.py).
_base_ = [
    './_base_/birdsnap_cs-parts_299.py',
    './_base_/fve_inception-v3_birds.py',
]
model = dict(head=dict(num_classes=500), local_head=dict(num_classes=500))
data_preprocessor = dict(num_classes=500)
