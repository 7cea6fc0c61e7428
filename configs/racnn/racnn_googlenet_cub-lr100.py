_base_ = './baseline_googlenet_cub-lr100.py'
# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule.
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=3))
