# p-RACNN SR pre-training on the embedded default (CPU): the grey SR layers
# of racnn_lenet5_fashion-mnist-lr8.py trained alone (Cai et al. Sec. II-C,
# eq. (4)) on LR/HR patch pairs of Fashion-MNIST: 28x28 images resized to
# 32x32 (HR), bicubic down to 8x8 and back up (LR, as in the classifier's
# data), 17x17 patches every 5 pixels (16 per image), normalised with the
# classifier's mean/std. Images are read from the idx files directly
# (source=FashionMNIST); the validation log compares the SR output with
# bicubic (sr/psnr vs sr/psnr_bicubic).
#   python tools/train.py configs/racnn/srcnn-pretrain_grey-lr8_fashion-mnist.py
#   python tools/misc/publish_model.py \
#       work_dirs/srcnn-pretrain_grey-lr8_fashion-mnist/epoch_5.pth \
#       checkpoints/racnn_sr_grey_lr8.pth
# then train racnn_lenet5_fashion-mnist-lr8-psr.py.
_base_ = [
    '../_base_/schedules/adam-layerwise_lr1e-3_constant_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SRPretrainer',
    sr=dict(type='SRLayers', in_channels=1),
    # the classifier's normalisation (configs/_base_/datasets/
    # fashion-mnist_lr8_32.py): mean/std of the training images x 255
    data_preprocessor=dict(
        type='SRDataPreprocessor', mean=[72.94], std=[90.02]))

patch_pairs = dict(hr_size=32, lr_size=8, patch=17, stride=5, in_channels=1)
fashion_mnist = dict(type='FashionMNIST', data_root='data/fashion_mnist')
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    dataset=dict(
        type='SRPatchDataset',
        source=dict(**fashion_mnist, split='train'),
        max_images=2000,
        **patch_pairs),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        type='SRPatchDataset',
        source=dict(**fashion_mnist, split='test'),
        max_images=1000,
        **patch_pairs),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='SRMSEMetric')
test_evaluator = val_evaluator

# 2000 images x 16 patches = 500 iterations per epoch (~2-3 min on 2 CPU
# cores); more: --cfg-options train_dataloader.dataset.max_images=60000
train_cfg = dict(max_epochs=5)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(save_best='sr/psnr', rule='greater'))
