# GASA 'tiny' hybrid on Cluttered Fashion-MNIST (112x112 canvases, the item
# among 8 distractor fragments; configs/cluttered_fashion_mnist): transformer
# stages on a 14x14 and a 7x7 grid, G = 4 gradient tokens; the budget of
# gasa_tiny_1xb64_fashion-mnist.py (first 12,000 training canvases, one
# epoch, batch 64). Not trained here: 112x112 costs ~16x the 28x28 run.
_base_ = [
    '../_base_/models/gasa_tiny.py',
    '../_base_/datasets/cluttered-fashion-mnist_bs128_112.py',
    '../_base_/schedules/adamw_lr2e-3_warmup-cos_1e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(img_size=112))
train_dataloader = dict(batch_size=64, dataset=dict(indices=12000))
default_hooks = dict(logger=dict(interval=20))
