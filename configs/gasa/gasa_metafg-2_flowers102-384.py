# GASA (gradient-aware spatial attention, Ma et al.) on MetaFG-2 at 384x384: 12
# gradient tokens (3x3 Sobel) in both transformer stages. The paper has no
# Oxford Flowers-102 number or recipe: this is its recipe for NABirds, Stanford
# Cars and iNat2018 (5 warm-up epochs) with Oxford Flowers-102's 102 classes.
# Add load_from=<MetaFG-2 weights converted to mmfg keys> to fine-tune.
_base_ = [
    '../_base_/models/gasa_metafg-2.py',
    '../_base_/datasets/flowers102_bs16_384.py',
    '../_base_/schedules/adamw_lr6.25e-6_warmup-cos_300e.py',
    '../_base_/default_runtime.py',
]
# The model carries the data preprocessor: Mixup / CutMix need its num_classes
# for one-hot labels also where the model is built from cfg.model alone.
model = dict(
    head=dict(num_classes=102), data_preprocessor={{_base_.data_preprocessor}})
