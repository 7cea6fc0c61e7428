# Runtime shared by every mmfg config.
default_scope = 'mmfg'
# FGRunner = MMEngine's Runner that loads its own checkpoints on torch>=2.6,
# saves them atomically and turns common mistakes into one-line errors.
runner_type = 'FGRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmfg's CheckpointHook (MMEngine's, kill-safe: last_checkpoint is written
    # only once the file it names is complete).
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto'),
    # A NaN/Inf loss stops the run with the iteration and the last finite loss.
    check_invalid_loss=dict(type='CheckInvalidLossHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

# Re-seed every epoch from (seed, epoch) so --resume reproduces an uninterrupted
# run exactly; pair with non-persistent workers and
# worker_init_fn=dict(type='mmfg.seed_numpy_from_torch') in train_dataloader.
custom_hooks = [dict(type='EpochSeedHook')]

# cudnn_benchmark: cuDNN times its convolution algorithms once per input
# shape and keeps the fastest (every mmfg pipeline feeds fixed-size
# crops). No effect on CPU. Its choice may be non-deterministic, which
# loses nothing by default: GPU training is not bitwise reproducible
# anyway. randomness.deterministic=True switches it off again (exact
# --resume on GPU: see the README, "Determinism").
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches this to gloo (and CPU DDP) when no GPU is present.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
# True: skip (and count) undecodable training images instead of stopping.
skip_bad_images = False
# Before the first iteration, check the model's class count against the data.
check_class_count = True
