# p-RACNN (Cai et al. Sec. 2.3): SR layers pre-trained alone with
# tools/racnn/pretrain_sr.py (MSE on 51x51 LR/HR patch pairs, 227 -> 50 -> 227),
# then trained end to end with the classifier.
_base_ = './racnn_vgg16_cub-lr50.py'
model = dict(
    backbone=dict(sr_init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/racnn_sr_rgb_lr50.pth')))
