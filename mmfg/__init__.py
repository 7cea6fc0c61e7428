"""mmfg: fine-grained visual classification on OpenMMLab (MMPretrain +
MMDetection)."""
from .model_hub import attach_to_mmpretrain
from .version import __version__

# mmfg's configs in mmpretrain's ModelHub (list_models / get_model /
# inferencers); light: waits for mmpretrain to be imported (mmfg.model_hub).
attach_to_mmpretrain()

__all__ = ['__version__']
