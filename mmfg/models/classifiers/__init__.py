"""Classifiers registered in ``mmfg.registry.MODELS``."""
from .racnn import RACNN

__all__ = ['RACNN']
