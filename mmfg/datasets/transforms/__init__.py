from .coords import COORD_FIELDS, apply_affine, clip_to_image
from .crop import CropToBBox, PartCrops
from .formatting import PackFGInputs
from .geometric import (BoxAwareCenterCrop, BoxAwareRandomCrop,
                        BoxAwareRandomFlip, BoxAwareRandomResizedCrop,
                        BoxAwareResize, BoxAwareResizeEdge)
from .resolution import LowResolution, bicubic_resize

__all__ = [
    'COORD_FIELDS', 'apply_affine', 'clip_to_image', 'CropToBBox',
    'PartCrops', 'PackFGInputs', 'BoxAwareCenterCrop', 'BoxAwareRandomCrop',
    'BoxAwareRandomFlip', 'BoxAwareRandomResizedCrop', 'BoxAwareResize',
    'BoxAwareResizeEdge', 'LowResolution', 'bicubic_resize'
]
