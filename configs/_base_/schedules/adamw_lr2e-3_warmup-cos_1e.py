# Recipe: AdamW lr 2e-3, 20-iteration warm-up + cosine, 1 epoch; the
# MetaFormer / GASA fine-tuning recipe (Ma et al. 2025) cut to CPU minutes.
# CPU-minutes schedule of the 'tiny' GASA configs: one epoch, AdamW lr 2e-3
# (weight decay 0.05, none on biases, norms, class tokens and relative
# position tables), gradient norm clipped at 5, 20 warm-up iterations then
# cosine annealing to 0 over the epoch (per iteration).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        flat_decay_mult=0.,
        custom_keys={
            'cls_token': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 64
auto_scale_lr = dict(base_batch_size=64)
