# RPN on the CAM pseudo boxes of Stanford Cars (train split; the detector never
# sees the true boxes), the natural-image RPN recipe of
# configs/_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py.
# Files: bash tools/proposals/chain.sh stanford-cars
_base_ = '../_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py'
# the images in place: the COCO file names are the dataset's image keys
images = 'data/stanford_cars/'
pseudo = 'work_dirs/proposals/stanford-cars/cam_'
train_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'train_coco.json', data_prefix=dict(img=images)))
test_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'test_coco.json', data_prefix=dict(img=images)))
test_evaluator = dict(ann_file=pseudo + 'test_coco.json')
