"""mmfg models, laid out as in mmpretrain: backbones, necks, heads,
classifiers, layers (shared building blocks) and utils (data preprocessor,
helpers), all registered in ``mmfg.registry.MODELS``."""
from .backbones import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
