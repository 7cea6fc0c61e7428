# Paper Table 4 "CNN only": the local stream without LSTM and attention,
# LeNetFC -> GAP -> fc (32 -> 10); everything else as
# focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py.
_base_ = './focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt.py'
model = dict(
    local_neck=dict(_delete_=True, type='GlobalAveragePooling'),
    local_head=dict(in_channels=32))
