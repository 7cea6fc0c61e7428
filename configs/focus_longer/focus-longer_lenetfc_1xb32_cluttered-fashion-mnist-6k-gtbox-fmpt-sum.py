# Trained summation of the T hidden states (T times the mean) instead of
# attention (the paper's Table 5 is an evaluation-time swap: run
# experiments/focus_longer/steps.py on the attention model), everything else as
# focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(local_neck=dict(aggregation='sum'))
