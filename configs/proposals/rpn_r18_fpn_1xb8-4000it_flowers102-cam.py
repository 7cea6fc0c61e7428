# RPN on the CAM pseudo boxes of Flowers-102 (trainval split; the dataset has
# no boxes), the natural-image RPN recipe of
# configs/_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py.
# Files: bash tools/proposals/chain.sh flowers102
_base_ = '../_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py'
# the images in place: the COCO file names are the dataset's image keys
images = 'data/flowers102/'
pseudo = 'work_dirs/proposals/flowers102/cam_'
train_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'trainval_coco.json', data_prefix=dict(img=images)))
test_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'test_coco.json', data_prefix=dict(img=images)))
test_evaluator = dict(ann_file=pseudo + 'test_coco.json')
