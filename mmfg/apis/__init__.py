"""High-level APIs: build a model from config + checkpoint, load a config's
samples, run inference with the config's own test pipeline."""
from .inferencer import FGInferencer
from .model import dataset_classes, init_model, load_config, load_weights
from .samples import load_samples

__all__ = [
    'FGInferencer', 'init_model', 'load_config', 'load_weights',
    'dataset_classes', 'load_samples'
]
