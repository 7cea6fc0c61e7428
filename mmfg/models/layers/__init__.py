"""Building blocks shared by several mmfg models."""
from .blur_pool import (GaussianBlurPool, default_blur_sigma,
                        gaussian_kernel1d, gaussian_kernel2d)
from .fve import FVELayer, GMMLayer, fve_feature_mask
from .gradient_tokens import GradientTokenizer
from .sr_layers import SRLayers
from .td_merge import TDMerge

__all__ = [
    'GaussianBlurPool', 'default_blur_sigma', 'gaussian_kernel1d',
    'gaussian_kernel2d', 'SRLayers', 'TDMerge', 'GMMLayer', 'FVELayer',
    'fve_feature_mask', 'GradientTokenizer'
]
