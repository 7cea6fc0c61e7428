# TD_rev (Top-Down mirror, widths grow with depth as in BU), ResNet18.
# Lelekas et al., "Top-Down Networks", CVPR-W 2020.
# iNaturalist 2018: the paper has no fine-grained recipe; the ResNet18 recipe
# of the other FGVC configs (whole images, 448 crops, 50 epochs) with 8142
# classes.
_base_ = './bu_resnet18_inat2018.py'
model = dict(backbone=dict(mode='td_rev'))
