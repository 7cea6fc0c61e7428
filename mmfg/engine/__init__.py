"""Runtime pieces mmfg adds to MMEngine: loading its own checkpoints under
torch >= 2.6, CPU (gloo) distributed training (user errors:
:mod:`mmfg.utils.errors`)."""
from .checkpoint import checkpoint_safe_globals, mmengine_checkpoint_globals
from .dist import setup_distributed
from .runner import FGRunner
from .seeding import EpochSeedHook, epoch_seed, seed_numpy_from_torch

__all__ = [
    'checkpoint_safe_globals', 'mmengine_checkpoint_globals',
    'setup_distributed', 'FGRunner', 'build_runner', 'EpochSeedHook',
    'epoch_seed', 'seed_numpy_from_torch'
]


def build_runner(cfg):
    """Build the runner named by ``cfg.runner_type`` (default ``FGRunner``)."""
    from mmfg.registry import RUNNERS
    if 'runner_type' not in cfg:
        return FGRunner.from_cfg(cfg)
    return RUNNERS.build(cfg)
