# The public code's global stream: an extra 1x1 conv block (512 -> 1024 ->
# 1024, ReLU, no normalisation) between VGG19's features and the GAP, not in
# the paper; the fc then takes 1024 features.
_base_ = './focus-longer_vgg19_cub.py'
model = dict(
    neck=dict(
        _delete_=True,
        type='PointwiseConvGAP',
        in_channels=512,
        channels=(1024, 1024)),
    head=dict(in_channels=1024))
