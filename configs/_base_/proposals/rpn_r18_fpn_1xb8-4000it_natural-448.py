# Class-agnostic RPN (MMDetection) for the photos of the fine-grained
# datasets, trained on weakly supervised pseudo boxes (one class 'part': the
# CAM boxes of the dataset's classifier, tools/proposals/pseudo_boxes.py);
# it never sees a true box. The RPN recipe of configs/proposals (see
# rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py) sized for
# ~448 px natural images:
# * ResNet-18 with MMDetection's ImageNet weights (torchvision), stem and
#   stage 1 frozen, BN statistics frozen (batch 8), FPN 256 channels on the
#   4 stages, 5 levels, MMDetection's RPN head and anchors (scale 8 at
#   strides 4-64: 32-512 px, ratios 0.5 / 1 / 2);
# * images resized keeping the aspect ratio to short side 448 (long side at
#   most 768: the classifiers' 448 px protocol), horizontal flip;
# * SGD momentum 0.9, lr 0.01 for batch 8 (MMDetection's 0.02 for 16,
#   linear scaling), linear warm-up over 200 iterations, cosine to 0 at
#   4,000 iterations (32,000 images: 5 epochs of CUB, 2.7 of Stanford Dogs);
#   no validation while training (no dataset-wide truth: Flowers-102 and
#   iNat2018 have no boxes). tools/test.py scores the recall of the pseudo
#   boxes of the evaluation split (unseen images), tools/proposals/generate.py
#   the CorLoc / recall against the true boxes where the dataset has them.
# Each dataset config names its images and pseudo-box files, the paths that
# `bash tools/proposals/chain.sh DATASET` writes: the COCO json's file names
# are the dataset's image keys (paths relative to its data_root), so
# data_prefix.img is the dataset's data_root and the images are read in
# place; the json files are under work_dirs/proposals/<dataset>/.
_base_ = 'mmdet::rpn/rpn_r50_fpn_1x_coco.py'

metainfo = dict(classes=('part', ))
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(768, 448), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(768, 448), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# data_root '' : ann_file and data_prefix.img are paths from the repository
# root (the dataset config sets both)
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    dataset=dict(
        data_root='',
        metainfo=metainfo,
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=8,
    num_workers=4,
    dataset=dict(data_root='', metainfo=metainfo, pipeline=test_pipeline))
# recall of the top 1 / 4 / 10 proposals at IoU 0.5 (AR@N with one IoU)
test_evaluator = dict(
    metric='proposal_fast', proposal_nums=(1, 4, 10), iou_thrs=[0.5])
val_dataloader = None
val_evaluator = None
val_cfg = None

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=4000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=200, end=4000)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=4000),
    visualization=dict(draw=False))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(base_batch_size=8)
