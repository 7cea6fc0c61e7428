# The plain 'tiny' hybrid without gradient tokens: the baseline of
# gasa_tiny_1xb64_fashion-mnist.py (same data, budget and seed handling).
_base_ = './gasa_tiny_1xb64_fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=None))
