# Ablation (paper Table 4 "CNN only"): the local stream without LSTM and
# attention: LeNetFC -> GAP -> fc (32 -> 10).
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py'
model = dict(
    local_neck=dict(_delete_=True, type='GlobalAveragePooling'),
    local_head=dict(in_channels=32))
