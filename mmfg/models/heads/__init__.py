"""Heads registered in ``mmfg.registry.MODELS``."""
from .fve_head import FVEClsHead
from .multi_step_head import MultiStepClsHead

__all__ = ['FVEClsHead', 'MultiStepClsHead']
