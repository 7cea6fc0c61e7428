# Focus-Longer on CUB-200-2011 (paper Table 1: VGG19 77.8 -> 79.6), the public
# recipe: two VGG19 streams (448 image, 224 patch), LSTM 2 x 512, T = 10,
# temporal attention, one fc; SGD lr 1e-3, x0.1 at 30/60, batch 32, squash
# resize to 448, no augmentation. Patches: the ground-truth box (an oracle;
# focus-longer_vgg19_cub-proposals.py uses the proposals stage's boxes).
# Evaluation: deterministic, protocol 'mean' (model.eval_protocol='first' /
# 'random' for the others; python -m experiments.focus_longer.steps reports all
# three at once).
_base_ = [
    '../_base_/models/focus-longer_vgg19.py',
    '../_base_/datasets/focus-longer_cub_448-224.py',
    '../_base_/schedules/sgd_lr1e-3_step-30-60_90e.py',
    '../_base_/default_runtime.py',
]
