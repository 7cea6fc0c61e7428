# RPN on the CAM pseudo boxes of FGVC-Aircraft (trainval split; the detector
# never sees the true boxes), the natural-image RPN recipe of
# configs/_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py.
# Files: bash tools/proposals/chain.sh fgvc-aircraft
_base_ = '../_base_/proposals/rpn_r18_fpn_1xb8-4000it_natural-448.py'
# the images in place: the COCO file names are the dataset's image keys
images = 'data/fgvc-aircraft-2013b/'
pseudo = 'work_dirs/proposals/fgvc-aircraft/cam_'
train_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'trainval_coco.json', data_prefix=dict(img=images)))
test_dataloader = dict(
    dataset=dict(
        ann_file=pseudo + 'test_coco.json', data_prefix=dict(img=images)))
test_evaluator = dict(ann_file=pseudo + 'test_coco.json')
