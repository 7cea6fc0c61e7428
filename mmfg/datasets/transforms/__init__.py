"""Transforms of mmfg. Geometric transforms of MMCV and mmpretrain are
re-registered under their own names in the ``mmfg`` scope with the
coordinate fields kept on their pixels; see :mod:`.coords`."""
from .annotation_crops import CropToBBox, PartCrops
from .coords import COORD_FIELDS, EXTRA_BOX_FIELDS, apply_affine, clip_to_image
from .crop import CenterCrop, RandomCrop, RandomResizedCrop
from .flip import RandomFlip
from .formatting import PackFGInputs
from .loading import LoadImageFromFile  # noqa: F401
from .resize import Resize, ResizeEdge
from .resolution import LowResolution, bicubic_resize

__all__ = [
    'COORD_FIELDS', 'EXTRA_BOX_FIELDS', 'apply_affine', 'clip_to_image',
    'CenterCrop', 'CropToBBox', 'LowResolution', 'PackFGInputs', 'PartCrops',
    'RandomCrop', 'RandomFlip', 'RandomResizedCrop', 'Resize', 'ResizeEdge',
    'bicubic_resize'
]
