# mmfg's earlier softmax-pooling token layer (the ablation of the
# token-layer fix) at the paper's initialisation: the backbone from the
# stand-in pre-training (gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py);
# otherwise gasa_tiny_1xb64_cluttered-fashion-mnist-softmax-pool.py.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt.py'
model = dict(backbone=dict(grad_tokens=dict(token_layer='softmax_pool')))
