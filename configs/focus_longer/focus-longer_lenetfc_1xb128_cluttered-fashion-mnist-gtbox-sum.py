# Ablation (Table 5, trained): summation of the T hidden states instead of
# attention, everything else as focus-longer_..._cluttered-fashion-mnist-gtbox.
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'
model = dict(local_neck=dict(aggregation='sum'))
