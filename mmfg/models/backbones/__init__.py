"""Backbones registered in ``mmfg.registry.MODELS``."""
from .gasa import GASAHybrid
from .googlenet import GoogLeNet
from .topdown import TopDownNet

__all__ = ['GoogLeNet', 'TopDownNet', 'GASAHybrid']
