# Table II protocol (Cai et al. Sec. III-C): every categorisation layer frozen
# (lr and decay x0) except the last fc; the SR layers still learn.
_base_ = './baseline_alexnet_stanford-cars-lr50-frozen.py'
# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule.
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=3))
