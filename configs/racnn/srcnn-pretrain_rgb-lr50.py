# p-RACNN SR pre-training (Cai et al. Sec. II-C, eq. (4)): RACNN's RGB SR
# layers trained alone on LR/HR patch pairs of natural images. Every image
# is resized to 227x227 (HR), bicubic down to 50x50 and back up (LR: the
# paper's protocol), cut into 51x51 patches every 17 pixels (SRCNN's choice;
# 121 per image) and normalised with the ImageNet mean/std of the
# classifiers in configs/racnn (RGB).
#
# Images: any folder of natural photos (searched recursively; the paper used
# the 11,142 images of the ILSVRC 2015 ImageNet detection test set):
#   data/sr_pretrain/train/...   data/sr_pretrain/val/...
# or another folder with --cfg-options train_dataloader.dataset.data_root=...
# or a registered dataset's images, e.g. the training images of CUB:
#   train_dataloader = dict(dataset=dict(
#       data_root='', data_prefix='',
#       source=dict(type='CUB', data_root='data/CUB_200_2011',
#                   split='train')))
#
#   python tools/train.py configs/racnn/srcnn-pretrain_rgb-lr50.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_rgb-lr50/epoch_20.pth \
#       checkpoints/racnn_sr_rgb_lr50.pth
# then train racnn_vgg16_cub-lr50-psr.py (or any RACNN config with
# model.sr.init_cfg=dict(type='Pretrained', checkpoint=..., prefix='sr.')).
_base_ = [
    '../_base_/schedules/adam-layerwise_lr1e-3_constant_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SRPretrainer',
    sr=dict(type='SRLayers', in_channels=3),
    # the classifiers' normalisation (RGB ImageNet mean/std)
    data_preprocessor=dict(
        type='SRDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]))

data_root = 'data/sr_pretrain'
patch_pairs = dict(hr_size=227, lr_size=50, patch=51, stride=17, in_channels=3)
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    dataset=dict(
        type='SRPatchDataset',
        data_root=data_root,
        data_prefix='train',
        **patch_pairs),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        type='SRPatchDataset',
        data_root=data_root,
        data_prefix='val',
        **patch_pairs),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='SRMSEMetric')
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(save_best='sr/psnr', rule='greater'))
