"""Model utilities: the data preprocessor for multi-input samples."""
from .data_preprocessor import FGDataPreprocessor, stack_part_inputs
from .roi_crops import RoIAlignCrops, RoIAlignFGDataPreprocessor

__all__ = [
    'FGDataPreprocessor', 'stack_part_inputs', 'RoIAlignCrops',
    'RoIAlignFGDataPreprocessor'
]
