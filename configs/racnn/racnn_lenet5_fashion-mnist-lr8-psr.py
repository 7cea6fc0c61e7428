# p-RACNN on low-resolution Fashion-MNIST: grey SR layers pre-trained with
#   python tools/racnn/pretrain_sr.py IMG_DIR --in-channels 1 --hr-size 32 \
#       --lr-size 8 --patch 17 --stride 5 --mean 72.94 --std 90.02 \
#       --out checkpoints/racnn_sr_grey_lr8.pth
_base_ = './racnn_lenet5_fashion-mnist-lr8.py'
model = dict(
    backbone=dict(sr_init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/racnn_sr_grey_lr8.pth')))
