# The plain 'tiny' hybrid without gradient tokens on Cluttered Fashion-MNIST:
# the baseline of gasa_tiny_1xb64_cluttered-fashion-mnist.py.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=None))
