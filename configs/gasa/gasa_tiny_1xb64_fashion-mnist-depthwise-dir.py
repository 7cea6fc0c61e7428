# gasa_tiny_1xb64_fashion-mnist.py with depthwise 1-D direction convolutions
# in the gradient tokenizer (dir_conv_groups='depthwise'): 472k parameters
# instead of 962k (the plain hybrid: 428k), a control for the parameter
# count in the with/without experiment.
_base_ = './gasa_tiny_1xb64_fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=dict(dir_conv_groups='depthwise')))
