# g-RACNN on Fashion-MNIST at 8x8 in the Table II protocol (Sec. III-C): the
# LeNet-5 frozen but the last fc; the SR layers (Gaussian std 0.001, SRCNN's
# choice) learn with the paper's multipliers.
_base_ = './baseline_lenet5_fashion-mnist-lr8-frozen.py'
model = dict(type='RACNN', sr=dict(type='SRLayers', in_channels=1))
