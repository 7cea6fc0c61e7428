"""Classifiers registered in ``mmfg.registry.MODELS``."""
from .racnn import RACNN
from .sr_pretrainer import SRDataPreprocessor, SRPretrainer  # noqa: F401
from .two_stream import TwoStreamClassifier

__all__ = ['RACNN', 'TwoStreamClassifier']
