_base_ = [
    '../_base_/models/googlenet.py',
    '../_base_/datasets/flowers102_lr50_224.py',
    '../_base_/schedules/sgd-layerwise_lr1e-3_step-20_30e_googlenet.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=102))
