# Cluttered Fashion-MNIST at 28x28 (up-sampled to 112x112) on CPU: g-RACNN
# starting from the global LeNetFC trained at full resolution. Needs
# checkpoints/lenetfc_cluttered-fashion-mnist-hr.pth (the command is in
# baseline_lenetfc_cluttered-fashion-mnist-lr28.py).
_base_ = './baseline_lenetfc_cluttered-fashion-mnist-lr28.py'
# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule.
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=1))
