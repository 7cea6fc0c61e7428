# Dataloaders and evaluators shared by every classification dataset base: a
# dataset base inherits this file and sets its batch sizes (if not 32), the
# dataset (type, data_root, split, pipeline) of each loader and
# data_preprocessor (num_classes, mean/std).
#   * training workers are not persistent and are seeded per epoch
#     (EpochSeedHook + seed_numpy_from_torch): exact --resume;
#   * metrics: top-1 and mean per-class accuracy (= macro-averaged recall).
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    worker_init_fn=dict(type='mmfg.seed_numpy_from_torch'),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average='macro'),
]
test_evaluator = val_evaluator
