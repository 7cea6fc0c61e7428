# Class-agnostic RPN (MMDetection) trained on weakly supervised pseudo boxes:
# the CAM boxes (top box per image) of the global LeNetFC classifier on
# 10,000 Cluttered Fashion-MNIST training canvases (112x112, written as PNG
# by tools/proposals/pseudo_boxes.py --save-images). Never sees a true box
# in training; validated against the TRUE boxes of the first 2,000 test
# canvases (CocoMetric proposal recall at IoU 0.5). CPU sizes: a ResNet-18
# layout at a quarter of the width (16-32-64-128 channels, random init),
# FPN 64, anchors 24-192 px, 300 iterations of batch 16 (4,800 images, about
# half an epoch of the 10,000: the CPU budget).
# Commands: experiments/proposals/README.md.
_base_ = 'mmdet::rpn/rpn_r50_fpn_1x_coco.py'

data_root = 'work_dirs/proposals/'
pseudo_train = 'cam_train10k_coco.json'  # pseudo boxes (training signal)
true_test = 'gt_test2k_coco.json'  # real boxes (evaluation only)
metainfo = dict(classes=('part', ))

model = dict(
    data_preprocessor=dict(
        # grey canvases loaded as 3 equal channels; statistics of the
        # cluttered training canvases (configs/_base_/datasets)
        mean=[22.08] * 3,
        std=[59.17] * 3,
        bgr_to_rgb=False,
        pad_size_divisor=32),
    backbone=dict(
        depth=18,
        base_channels=16,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64, num_outs=4),
    rpn_head=dict(
        in_channels=64,
        feat_channels=64,
        anchor_generator=dict(scales=[6], strides=[4, 8, 16, 32])),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    # the canvases are 112x112 already: Resize only records scale_factor
    dict(type='Resize', scale=(112, 112), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(112, 112), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    batch_sampler=None,
    dataset=dict(
        data_root=data_root,
        ann_file=pseudo_train,
        data_prefix=dict(img='images/'),
        metainfo=metainfo,
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file=true_test,
        data_prefix=dict(img='images/'),
        metainfo=metainfo,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# recall of the top 1 / 4 / 10 proposals at IoU 0.5 (AR@N with one IoU)
val_evaluator = dict(
    ann_file=data_root + true_test,
    metric='proposal_fast',
    proposal_nums=(1, 4, 10),
    iou_thrs=[0.5])
test_evaluator = val_evaluator

train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=300, val_interval=300)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=300)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=300),
    visualization=dict(draw=False))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(base_batch_size=16)
