# One gradient token per stage (G = 1) at the paper's initialisation: the
# backbone from the stand-in pre-training
# (gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py); otherwise
# gasa_tiny_1xb64_cluttered-fashion-mnist-g1.py.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py'
model = dict(backbone=dict(grad_tokens=dict(num_tokens=1)))
