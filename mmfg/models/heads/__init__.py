"""Heads registered in ``mmfg.registry.MODELS``."""
from .multi_step_head import MultiStepClsHead

__all__ = ['MultiStepClsHead']
