"""Backbones registered in ``mmfg.registry.MODELS``."""
from .gasa import GASAHybrid
from .googlenet import GoogLeNet
from .inception_v3_features import InceptionV3Features
from .lenet import LeNet5
from .topdown import TopDownNet

__all__ = [
    'GoogLeNet', 'InceptionV3Features', 'LeNet5', 'TopDownNet', 'GASAHybrid'
]
