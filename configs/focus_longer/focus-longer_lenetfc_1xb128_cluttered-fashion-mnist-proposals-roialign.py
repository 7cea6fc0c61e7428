# focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py with the
# patch cut by RoIAlign on the batch (RoIAlignFGDataPreprocessor, mmcv.ops
# RoIAlign aligned=True, sampling_ratio=1 = a bilinear crop) instead of
# per image in the pipeline (PartCrops): the pipeline packs the 112x112
# canvas and its proposals; the preprocessor cuts the 28x28 patch from the
# canvas, then resizes the canvas to the 56x56 global input.
_base_ = './focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py'

pipeline = [dict(type='PackFGInputs')]
data_preprocessor = dict(
    type='RoIAlignFGDataPreprocessor',
    num_parts=1,
    crop_size=28,
    box_source='proposals',
    image_size=(56, 56),
    num_classes=10,
    mean=[22.08],
    std=[59.17],
    to_rgb=False)
# also in the model: it cuts the crops the model needs, whoever builds it
model = dict(data_preprocessor=data_preprocessor)
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
