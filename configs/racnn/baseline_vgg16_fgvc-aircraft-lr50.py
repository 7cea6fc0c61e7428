# The plain VGG-16 of RACNN (Cai et al.) on FGVC-Aircraft at 50x50: the paper
# has no FGVC-Aircraft recipe, so this is its protocol (cropped to the object
# box as for Cars and Birds, 50x50, up to 224; SGD lr 1e-3 with its per-layer
# multipliers, 30 epochs) with 100 classes.
_base_ = [
    '../_base_/models/vgg16.py',
    '../_base_/datasets/fgvc-aircraft_bbox-lr50_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_vgg.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(num_classes=100))
