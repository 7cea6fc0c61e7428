# gasa_tiny_1xb64_cluttered-fashion-mnist.py with mmfg's earlier token layer
# (token_layer='softmax_pool': softmax pooling over the positions, whose G
# tokens stay near-copies of the spatial mean) instead of the paper's
# position-specific Conv1d(N -> G, 1): the ablation of the token-layer fix.
_base_ = './gasa_tiny_1xb64_cluttered-fashion-mnist.py'
model = dict(backbone=dict(grad_tokens=dict(token_layer='softmax_pool')))
