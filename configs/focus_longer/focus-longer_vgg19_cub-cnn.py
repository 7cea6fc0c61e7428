# Ablation (paper Table 4 "CNN only", 77.79): the local stream without LSTM
# and attention: VGG19 conv5_4 -> GAP -> fc.
_base_ = './focus-longer_vgg19_cub.py'
model = dict(local_neck=dict(_delete_=True, type='GlobalAveragePooling'))
