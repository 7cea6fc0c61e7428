# Control for attention vs summation: the MEAN of the T hidden states (the
# trained summation divided by T, so the local feature has the scale of the
# attention's convex combination), everything else as
# focus-longer_..._cluttered-fashion-mnist-gtbox (attention) and -gtbox-sum.
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'
model = dict(local_neck=dict(aggregation='mean'))
