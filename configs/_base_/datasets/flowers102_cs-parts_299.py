# Oxford Flowers-102 with CS-parts (Korsch et al. GCPR 2019; 4 boxes per image,
# highest score first), each cut from the original image and resized to
# 299x299; an image with fewer boxes has missing parts (valid = False). Oxford
# Flowers-102 has no part annotations: the parts are the proposals stage's
# (configs/proposals; files in mmfg/datasets/proposals.py format, one per
# split, work_dirs/proposals/flowers102/cs-parts_{trainval,test}.json; generate
# them first). Global image squashed to 299x299; no augmentation (the FVE paper
# describes none). Inputs in [-1, 1] (data_preprocessor of
# configs/_base_/models/fve_inception-v3_birds.py).
_base_ = ['./cls_loaders.py']
num_classes = 102
proposal_root = 'work_dirs/proposals/flowers102/'
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='PartCrops',
        num_parts=4,
        crop_size=299,
        source='proposals',
        part_order='ordered'),
    dict(type='Resize', scale=(299, 299), keep_ratio=False),
    dict(type='PackFGInputs'),
]
# GPU-sized loaders for the real fine-grained datasets (full-size JPEGs, a
# decode + resize per image, crops per part): 8 workers per process (per
# GPU; lower it with --cfg-options train_dataloader.num_workers=N on a
# machine with fewer cores), pinned host memory (tools/train.py
# --no-pin-memory turns it off; ignored without a GPU); persistence and
# seeding as in cls_loaders.py.
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    dataset=dict(
        type='Flowers102',
        data_root='data/flowers102',
        split='trainval',
        proposal_file=proposal_root + 'cs-parts_trainval.json',
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    dataset=dict(
        type='Flowers102',
        data_root='data/flowers102',
        split='test',
        proposal_file=proposal_root + 'cs-parts_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
