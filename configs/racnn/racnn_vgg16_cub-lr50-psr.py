# p-RACNN (Cai et al. Sec. II-C): the RGB SR layers pre-trained alone (MSE on
# 51x51 LR/HR patch pairs, 227 -> 50 -> 227) with the runner, then trained end
# to end with the classifier:
#   python tools/train.py configs/racnn/srcnn-pretrain_rgb-lr50.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_rgb-lr50/epoch_20.pth \
#       checkpoints/racnn_sr_rgb_lr50.pth
# The published file holds sr.sconv{1,2,3}.{weight,bias} (RACNN's keys); the
# SR layers take the sr.* part. (A full training checkpoint also works as
# load_from=..., which leaves the classifier's keys to its own init.)
_base_ = './baseline_vgg16_cub-lr50.py'
# racnn_vgg16_cub-lr50.py (= the baseline + SR layers, Sec. II-A) with its own
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
