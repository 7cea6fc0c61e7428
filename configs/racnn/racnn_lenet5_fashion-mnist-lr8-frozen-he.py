# g-RACNN on Fashion-MNIST at 8x8 in the Table II protocol, with an SR
# initialisation under which the SR layers learn. With three std-0.001
# layers the residual and every SR gradient are products of tiny weights
# (the old run: residual 2.7% of the input after 2 epochs, almost all of it
# a constant offset). Here sconv1 and sconv2 get He (Kaiming, fan-in, ReLU)
# weights, so their activations have the input's scale and sconv3 gets
# gradients of order one from the first step, while sconv3 keeps std 0.001:
# the residual starts near zero (the classifier first sees the bicubic
# image, as in the paper). Same paper multipliers and schedule.
_base_ = './baseline_lenet5_fashion-mnist-lr8-frozen.py'
# racnn_lenet5_fashion-mnist-lr8-frozen.py (= the baseline + SR layers, Sec. II-A) with its own
# SR initialisation
model = dict(
    type='RACNN',
    sr=dict(
        type='SRLayers',
        in_channels=1,
        init_cfg=dict(
            type='Kaiming',
            layer='Conv2d',
            mode='fan_in',
            nonlinearity='relu',
            bias=0.,
            override=dict(name='sconv3', type='Normal', std=0.001, bias=0.))))
