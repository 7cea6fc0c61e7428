# gasa_tiny_1xb64_cluttered-fashion-mnist.py with a single gradient token per
# stage (G = 1): separates "gradient information in the sequence" from
# "several spatially distinct gradient tokens" (paper Sec. 4.5 varies G).
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=dict(num_tokens=1)))
