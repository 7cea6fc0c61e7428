# Ablation (paper Table 4 "CNN + LSTM", 78.20): no attention; the fc on every
# step's hidden state, cross-entropy on every step (mean over the T steps),
# the last step's scores at test (MultiStepClsHead).
_base_ = './focus-longer_vgg19_cub.py'
model = dict(
    local_neck=dict(aggregation='all'),
    local_head=dict(
        _delete_=True,
        type='MultiStepClsHead',
        test_step=-1,
        head=dict(
            type='LinearClsHead',
            num_classes=200,
            in_channels=512,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
