# Ablation (paper Table 5): summation of the T hidden states instead of
# attention, TRAINED so. The paper's Table 5 looks like an evaluation-time
# swap on the attention model: python -m experiments.focus_longer.steps
# gives that from a trained focus-longer_vgg19_cub.py checkpoint.
_base_ = './focus-longer_vgg19_cub.py'
model = dict(local_neck=dict(aggregation='sum'))
