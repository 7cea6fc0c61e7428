# "No parts (baseline)" of the FVE paper on Oxford Flowers-102 (the paper has
# no Oxford Flowers-102 number; its birds recipe with 102 classes): the global
# InceptionV3 stream alone, same input (299x299, [-1, 1]) and schedule (RMSProp
# 1e-4, x0.1 at 20 / 40 of 60 epochs, batch 16 x 4 accumulated). Needs no
# proposal file: the classifier the proposals stage starts from
# (tools/proposals/chain.sh flowers102).
_base_ = [
    '../_base_/models/fve_inception-v3_birds.py',
    '../_base_/datasets/flowers102_cs-parts_299.py',
    '../_base_/schedules/rmsprop_lr1e-4_step-20-40_60e.py',
    '../_base_/default_runtime.py',
]
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(299, 299), keep_ratio=False),
    dict(type='PackFGInputs'),
]
train_dataloader = dict(dataset=dict(proposal_file=None, pipeline=pipeline))
val_dataloader = dict(dataset=dict(proposal_file=None, pipeline=pipeline))
test_dataloader = val_dataloader
model = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(type='InceptionV3Features'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=102,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
data_preprocessor = dict(num_classes=102)
custom_hooks = [dict(type='EpochSeedHook')]
