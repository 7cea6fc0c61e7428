# Cluttered Fashion-MNIST at low resolution, the RACNN protocol (Cai et al.,
# PRL 2019, Sec. III-A) on the global-only benchmark: the whole 112x112
# canvas bicubic (anti-aliased) down to 28x28 and bicubic back up to
# 112x112, the input size of the global LeNetFC trained at full resolution
# (cluttered-fashion-mnist_bs128_112.py). 4x, as the Fashion-MNIST 32 -> 8
# protocol (fashion-mnist_lr8_32.py) and CUB's 224 -> 50: the item (28-56 px
# on the canvas) is left 7-14 px wide, the size of the 8x8 Fashion-MNIST
# item. No augmentation and the full-resolution canvas mean / std (what the
# pre-trained classifier was normalised with), as the global-only baseline.
# The composition is on the fly (no pre_pipeline): the low-resolution step
# runs per sample in the pipeline.
_base_ = './cluttered-fashion-mnist_bs128_112.py'

train_pipeline = [
    dict(type='LowResolution', size=28),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
