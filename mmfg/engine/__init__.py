"""Runtime pieces mmfg adds to MMEngine: loading its own checkpoints under
torch >= 2.6, kill-safe checkpoint files, clear errors for common mistakes,
CPU (gloo) distributed training (user errors: :mod:`mmfg.utils.errors`,
``docs/troubleshooting.md``)."""
from .checkpoint import (check_checkpoint_fits, checkpoint_safe_globals,
                         mmengine_checkpoint_globals, read_checkpoint)
from .checkpoint_files import find_resumable_checkpoint
from .config_diagnosis import (RUNNER_KEYS, explain_config_errors,
                               explain_unknown_options)
from .dist import setup_distributed
from .hooks import (AuxLossWeightHook, BadImageReportHook,
                    CheckInvalidLossHook, CheckpointHook, ClassNumCheckHook)
from .runner import FGRunner
from .seeding import EpochSeedHook, epoch_seed, seed_numpy_from_torch

__all__ = [
    'checkpoint_safe_globals', 'mmengine_checkpoint_globals',
    'check_checkpoint_fits', 'find_resumable_checkpoint', 'read_checkpoint',
    'RUNNER_KEYS', 'explain_config_errors', 'explain_unknown_options',
    'BadImageReportHook', 'CheckInvalidLossHook', 'CheckpointHook',
    'ClassNumCheckHook', 'setup_distributed', 'FGRunner', 'build_runner',
    'EpochSeedHook', 'epoch_seed', 'seed_numpy_from_torch', 'AuxLossWeightHook'
]


def build_runner(cfg):
    """Build the runner named by ``cfg.runner_type`` (default ``FGRunner``)."""
    from mmfg.registry import RUNNERS
    if 'runner_type' not in cfg:
        return FGRunner.from_cfg(cfg)
    return RUNNERS.build(cfg)
