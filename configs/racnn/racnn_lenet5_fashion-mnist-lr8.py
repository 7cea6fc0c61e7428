# Fashion-MNIST at 8x8 (up-sampled to 32x32) on CPU: RACNN
# starting from the LeNet-5 trained at full resolution. Needs
# checkpoints/lenet5_fashion-mnist-hr.pth (see configs/racnn/README.md).
_base_ = './baseline_lenet5_fashion-mnist-lr8.py'
# RACNN = the baseline classifier + the SR front end (Sec. II-A); the SR
# layers' multipliers are in the shared sgd-layerwise schedule.
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=1))
