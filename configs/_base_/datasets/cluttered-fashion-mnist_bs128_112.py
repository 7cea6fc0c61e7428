# Cluttered Fashion-MNIST (mmfg/datasets/cluttered_fashion_mnist.py): each
# real Fashion-MNIST item resized 1x-2x (28-56 px) on a 112x112 canvas among
# 8 fragments (14x14) of items of other classes; gt_bboxes (1, 4) and four
# grid parts gt_keypoints (1, 4, 3) come with every sample. Composed on the
# fly from the idx files in data/fashion_mnist (tools/setup.sh), the same
# sample on every run (dataset seed 0, independent of randomness.seed).
# Whole canvas, no augmentation: the global-only protocol.
dataset_type = 'ClutteredFashionMNIST'
data_root = 'data/fashion_mnist'
num_classes = 10
clutter = dict(
    canvas_size=112,
    scale_range=(1., 2.),
    num_distractors=8,
    distractor_size=14,
    seed=0)

data_preprocessor = dict(
    num_classes=num_classes,
    # mean/std of the cluttered training canvases (every 30th of 60,000)
    mean=[22.08],
    std=[59.17],
    to_rgb=False,
)

# PackFGInputs also packs gt_bboxes / gt_keypoints for part-based models.
train_pipeline = [dict(type='PackFGInputs')]
test_pipeline = [dict(type='PackFGInputs')]

# Loaders and metrics as in cls_loaders.py (repeated here so that the
# dataset bases inheriting this file stay 2 levels deep; tests/test_configs
# checks that the two agree).
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        **clutter,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        **clutter,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average='macro'),
]
test_evaluator = val_evaluator
