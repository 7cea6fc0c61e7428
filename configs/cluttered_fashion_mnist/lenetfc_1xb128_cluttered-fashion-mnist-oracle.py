# Oracle localisation on Cluttered Fashion-MNIST: the same LeNetFC and
# schedule as lenetfc_1xb128_cluttered-fashion-mnist.py, on the canvas
# cropped to the ground-truth object box (CropToBBox) and resized to 28x28.
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_bbox_28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
