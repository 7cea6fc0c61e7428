# Initialisation control: both streams' CNNs from scratch (no pre-trained
# feature layers), everything else as
# focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(backbone=dict(init_cfg=None), local_backbone=dict(init_cfg=None))
