"""Model utilities: the data preprocessors for multi-input samples (pipeline
crops, RoIAlign crops)."""
from .data_preprocessor import FGDataPreprocessor, check_parts
from .roi_crops import RoIAlignCrops, RoIAlignFGDataPreprocessor

__all__ = [
    'FGDataPreprocessor', 'check_parts', 'RoIAlignCrops',
    'RoIAlignFGDataPreprocessor'
]
