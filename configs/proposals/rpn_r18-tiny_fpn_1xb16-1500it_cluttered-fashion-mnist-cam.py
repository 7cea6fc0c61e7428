# rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py trained 5x
# longer: 1,500 iterations of batch 16 (24,000 pseudo-boxed canvases, 2.4
# epochs of the 10,000; ~5 min on 2 CPU cores).
_base_ = './rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py'

train_cfg = dict(max_iters=1500, val_interval=1500)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=1500)
]
default_hooks = dict(checkpoint=dict(interval=1500))
