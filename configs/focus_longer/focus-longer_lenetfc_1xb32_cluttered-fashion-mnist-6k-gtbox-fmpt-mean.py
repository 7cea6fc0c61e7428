# Equal-scale control (attention vs MEAN vs sum): the mean of the T hidden
# states instead of attention (a convex combination like attention's, fixed
# uniform weights), everything else as
# focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(local_neck=dict(aggregation='mean'))
