# GASA (gradient-aware spatial attention, Ma et al.) on MetaFG-2 at 384x384:
# 12 gradient tokens (3x3 Sobel) in both transformer stages. Paper (top-1,
# iNat21-pretrained MetaFG-2 weights, not available offline): CUB 92.9,
# NABirds 93.1, Stanford Cars 95.1, iNat2018 90.5 (abstract) / 89.9 (Sec. 4.3.1).
# Add load_from=<MetaFG-2 weights converted to mmfg keys> to fine-tune.
_base_ = [
    '../_base_/models/gasa_metafg-2.py',
    '../_base_/datasets/nabirds_bs16_384.py',
    '../_base_/schedules/adamw_lr6.25e-6_warmup-cos_300e.py',
    '../_base_/default_runtime.py',
]
# The model carries the data preprocessor: Mixup / CutMix need its num_classes
# for one-hot labels also where the model is built from cfg.model alone.
model = dict(
    head=dict(num_classes=555), data_preprocessor={{_base_.data_preprocessor}})
