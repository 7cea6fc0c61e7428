# Birdsnap with CS-parts (Korsch et al. GCPR 2019; 4 boxes per image,
# highest score first), each cut from the original image and resized to
# 299x299; an image with fewer boxes has missing parts (valid = False).
# The proposal files come from the proposals stage (configs/proposals,
# mmfg/datasets/proposals.py format), one per split:
# work_dirs/proposals/birdsnap/cs-parts_{train,test}.json; generate them first.
# Global image squashed to 299x299; no augmentation (the paper describes
# none). Inputs in [-1, 1] (data_preprocessor of
# configs/_base_/models/fve_inception-v3_birds.py).
_base_ = ['./cls_loaders.py']
num_classes = 500
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
        type='Birdsnap',
        data_root='data/birdsnap',
        split='train',
        with_bbox=False,
        with_parts=False,
        proposal_file='work_dirs/proposals/birdsnap/cs-parts_train.json',
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    dataset=dict(
        type='Birdsnap',
        data_root='data/birdsnap',
        split='test',
        with_bbox=False,
        with_parts=False,
        proposal_file='work_dirs/proposals/birdsnap/cs-parts_test.json',
        pipeline=pipeline))
test_dataloader = val_dataloader
