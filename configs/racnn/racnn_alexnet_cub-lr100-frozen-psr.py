# p-RACNN in the Table III (Cai et al. Sec. III-D) protocol: every categorisation
# layer frozen except the last fc; the RGB SR layers start from the
# pre-training of srcnn-pretrain_rgb-lr100.py (Sec. II-C):
#   python tools/train.py configs/racnn/srcnn-pretrain_rgb-lr100.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_rgb-lr100/epoch_20.pth \
#       checkpoints/racnn_sr_rgb_lr100.pth
_base_ = './baseline_alexnet_cub-lr100-frozen.py'
# racnn_alexnet_cub-lr100-frozen.py (= the baseline + SR layers, Sec. II-A) with its own
# SR initialisation
model = dict(
    type='RACNN',
    sr=dict(
        type='SRLayers',
        in_channels=3,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/racnn_sr_rgb_lr100.pth',
            prefix='sr.')))
