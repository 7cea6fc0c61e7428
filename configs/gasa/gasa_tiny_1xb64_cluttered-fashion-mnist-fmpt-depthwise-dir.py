# Parameter-count control at the paper's initialisation: depthwise direction
# convolutions in the gradient tokenizer, the backbone from the stand-in
# pre-training (gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py); otherwise
# gasa_tiny_1xb64_cluttered-fashion-mnist-depthwise-dir.py.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py'
model = dict(backbone=dict(grad_tokens=dict(dir_conv_groups='depthwise')))
