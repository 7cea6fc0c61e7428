# The GASA study's arm at the paper's initialisation (Sec. 4.2: the backbone
# initialised with pre-trained weights, the gradient-token layers new):
# gasa_tiny_1xb64_cluttered-fashion-mnist.py (G = 4, 112x112 canvases) with
# the backbone loaded from the stand-in pre-training,
# pretrain_gasa-tiny_1xb64_fashion-mnist-112.py (the plain hybrid on the 60k
# plain Fashion-MNIST images at 112 px). Every backbone parameter of the
# plain hybrid is loaded; the gradient tokenizers of both stages and the
# 10-class head start new (experiments/gasa/repro.sh checks the weights file
# against every arm first: python -m experiments.gasa.init_check).
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist.py'
# the weights of the pre-training after its last epoch (tools/train.py, then
# tools/misc/publish_model.py epoch_4.pth weights.pth; experiments/gasa/
# repro.sh does both first and passes the path)
pretrained = ('work_dirs/repro/gasa_cluttered-112/'
              'pretrain_gasa-tiny_1xb64_fashion-mnist-112/weights.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
