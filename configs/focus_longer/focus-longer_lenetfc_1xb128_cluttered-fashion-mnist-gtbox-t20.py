# Ablation (paper Table 6): T = 20 LSTM steps (10 in the base config). On CUB:
#   --cfg-options model.local_neck.num_steps=20  with focus-longer_vgg19_cub.py
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'
model = dict(local_neck=dict(num_steps=20))
