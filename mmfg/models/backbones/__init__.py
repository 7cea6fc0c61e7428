"""Backbones registered in ``mmfg.registry.MODELS``."""
from .googlenet import GoogLeNet
from .racnn import RACNN, SRLayers
from .topdown import TopDownNet

__all__ = ['GoogLeNet', 'RACNN', 'SRLayers', 'TopDownNet']
