# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule. NABirds: no
# paper recipe; the paper's protocol with 555 classes (cropped to the object
# box).
_base_ = './baseline_vgg16_nabirds-lr50.py'
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=3))
