# Paper Table 4 "CNN + LSTM" (Sec. 4.3): no attention; the fc on every
# step, cross-entropy on every step (mean over T), the last step at test;
# everything else as
# focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(
    local_neck=dict(aggregation='all'),
    local_head=dict(
        _delete_=True,
        type='MultiStepClsHead',
        test_step=-1,
        head=dict(
            type='LinearClsHead',
            num_classes=10,
            in_channels=64,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
