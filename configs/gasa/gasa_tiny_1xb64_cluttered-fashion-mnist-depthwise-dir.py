# gasa_tiny_1xb64_cluttered-fashion-mnist.py with depthwise 1-D direction
# convolutions in the gradient tokenizer (dir_conv_groups='depthwise'): the
# control for the parameter count (479k instead of 968k; no tokens: 434k).
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=dict(dir_conv_groups='depthwise')))
