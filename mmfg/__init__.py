"""mmfg: fine-grained visual classification on OpenMMLab (MMPretrain +
MMDetection)."""
from .version import __version__

__all__ = ['__version__']
