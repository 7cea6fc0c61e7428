# The plain MetaFG-2 hybrid (no gradient tokens), the GASA ablation baseline
# (paper Table 6): everything else as gasa_metafg-2_cub-384.py.
_base_ = './gasa_metafg-2_cub-384.py'
model = dict(backbone=dict(grad_tokens=None))
