"""mmfg models: backbones, necks, heads and classifiers registered in
``mmfg.registry.MODELS`` (filled by the method packages)."""
from .backbones import *  # noqa
from .layers import *  # noqa
