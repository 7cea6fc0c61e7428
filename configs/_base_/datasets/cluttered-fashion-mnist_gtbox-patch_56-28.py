# Cluttered Fashion-MNIST for two-stream models (Focus-Longer, FVE): the
# 112x112 canvas resized to 56x56 for the global stream, and ONE patch per
# image cut from the 112x112 canvas at the ground-truth object box
# (PartCrops source='gt_bboxes') and resized to 28x28 for the local stream.
# 56 / 28 mirrors Focus-Longer's 448 global / 224 patch: the patch has a
# quarter of the global input's pixels. The ground-truth box is an ORACLE
# stand-in for the weakly supervised patch proposals (configs/proposals), which do
# not exist yet: swap in source='proposals' + the dataset's proposal_file.
_base_ = './cluttered-fashion-mnist_bs128_112.py'

train_pipeline = [
    dict(type='PartCrops', num_parts=1, crop_size=28, source='gt_bboxes'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='PackFGInputs'),
]
test_pipeline = train_pipeline

# the crops are normalised with the canvas mean/std (one preprocessor for
# both streams; the oracle-crop statistics are 106.86 / 82.07)
data_preprocessor = dict(type='FGDataPreprocessor')

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
