# Runtime shared by every mmfg config.
default_scope = 'mmfg'
# FGRunner = MMEngine's Runner that can load its own checkpoints on torch>=2.6.
runner_type = 'FGRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

# Re-seed every epoch from (seed, epoch) so --resume reproduces an uninterrupted
# run exactly; pair with non-persistent workers and
# worker_init_fn=dict(type='mmfg.seed_numpy_from_torch') in train_dataloader.
custom_hooks = [dict(type='EpochSeedHook')]

env_cfg = dict(
    cudnn_benchmark=False,
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
