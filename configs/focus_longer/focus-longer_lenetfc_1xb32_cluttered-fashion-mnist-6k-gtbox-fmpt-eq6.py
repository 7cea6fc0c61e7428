# Eq. 6 as written: each step t its own scoring weight W^t; the public code
# (and focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py)
# shares one nn.Linear(D, 1) across the steps.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(local_neck=dict(per_step_score=True))
