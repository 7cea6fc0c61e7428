# Birdsnap: 17 parts (Birdsnap), ground-truth parts: a 0.31 * sqrt(h w) square around
# every annotated point, cut from the original image, resized to 299x299;
# invisible parts are missing (valid = False). Parts shuffled with one
# fixed permutation per image (Table 1's protocol; the FVE is order
# invariant, the GAP baseline is not).
# Global image squashed to 299x299; no augmentation (the paper describes
# none). Inputs in [-1, 1] (data_preprocessor of
# configs/_base_/models/fve_inception-v3_birds.py).
_base_ = ['./cls_loaders.py']
num_classes = 500
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='PartCrops',
        num_parts=17,
        crop_size=299,
        source='gt_keypoints',
        part_size=0.31,
        part_order='shuffled'),
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
        with_parts=True,
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
        with_parts=True,
        pipeline=pipeline))
test_dataloader = val_dataloader
