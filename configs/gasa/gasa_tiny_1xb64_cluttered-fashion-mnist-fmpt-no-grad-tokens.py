# The baseline at the paper's initialisation: the plain hybrid without
# gradient tokens (Table 6), every backbone parameter from the stand-in
# pre-training (gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py), the head
# new; otherwise gasa_tiny_1xb64_cluttered-fashion-mnist-no-grad-tokens.py.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py'
model = dict(backbone=dict(grad_tokens=None))
