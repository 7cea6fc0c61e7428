# TD_uni (Top-Down mirror, uniform widths), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
# Birdsnap: the paper has no fine-grained recipe; the ResNet18 recipe of the
# other FGVC configs (whole images, 448 crops, 50 epochs) with 500 classes.
_base_ = './bu_resnet18_birdsnap.py'
model = dict(backbone=dict(mode='td_uni'), head=dict(in_channels=128))
