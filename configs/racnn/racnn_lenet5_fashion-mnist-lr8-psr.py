# p-RACNN on low-resolution Fashion-MNIST (Cai et al. Sec. II-C): the grey
# SR layers pre-trained alone (MSE on 17x17 LR/HR patch pairs, 32 -> 8 -> 32)
# with the runner, then trained end to end with the classifier:
#   python tools/train.py configs/racnn/srcnn-pretrain_grey-lr8_fashion-mnist.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_grey-lr8_fashion-mnist/epoch_5.pth \
#       checkpoints/racnn_sr_grey_lr8.pth
# The published file holds sr.sconv{1,2,3}.{weight,bias} (RACNN's keys); the
# SR layers take the sr.* part. (A full training checkpoint also works as
# load_from=..., which leaves the classifier's keys to its own init.)
_base_ = './baseline_lenet5_fashion-mnist-lr8.py'
# racnn_lenet5_fashion-mnist-lr8.py (= the baseline + SR layers, Sec. II-A) with its own
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
