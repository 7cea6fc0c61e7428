# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule. iNaturalist
# 2018: no paper recipe; the paper's protocol with 8142 classes (whole images:
# no boxes).
_base_ = './baseline_vgg16_inat2018-lr50.py'
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=3))
