# p-RACNN in the Table II (Cai et al. Sec. III-C) protocol: every categorisation
# layer frozen except the last fc; the RGB SR layers start from the
# pre-training of srcnn-pretrain_rgb-lr50.py (Sec. II-C):
#   python tools/train.py configs/racnn/srcnn-pretrain_rgb-lr50.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_rgb-lr50/epoch_20.pth \
#       checkpoints/racnn_sr_rgb_lr50.pth
_base_ = './baseline_vgg16_stanford-cars-lr50-frozen.py'
# racnn_vgg16_stanford-cars-lr50-frozen.py (= the baseline + SR layers, Sec. II-A) with its own
# SR initialisation
model = dict(
    type='RACNN',
    sr=dict(
        type='SRLayers',
        in_channels=3,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/racnn_sr_rgb_lr50.pth',
            prefix='sr.')))
