# p-RACNN on Fashion-MNIST at 8x8 in the Table II protocol (Sec. III-C): the
# LeNet-5 frozen but the last fc; the grey SR layers start from the
# pre-training of srcnn-pretrain_grey-lr8_fashion-mnist.py (Sec. II-C):
#   python tools/train.py configs/racnn/srcnn-pretrain_grey-lr8_fashion-mnist.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_grey-lr8_fashion-mnist/epoch_5.pth \
#       checkpoints/racnn_sr_grey_lr8.pth
_base_ = './baseline_lenet5_fashion-mnist-lr8-frozen.py'
# racnn_lenet5_fashion-mnist-lr8-frozen.py (= the baseline + SR layers, Sec. II-A) with its own
# SR initialisation
model = dict(
    type='RACNN',
    sr=dict(
        type='SRLayers',
        in_channels=1,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/racnn_sr_grey_lr8.pth',
            prefix='sr.')))
