"""Model utilities: the data preprocessor for multi-input samples and
analysis helpers."""
from .data_preprocessor import FGDataPreprocessor, stack_part_inputs
from .erf import erf_sizes, erf_table, module_layers
from .roi_crops import RoIAlignCrops, RoIAlignFGDataPreprocessor

__all__ = [
    'FGDataPreprocessor', 'stack_part_inputs', 'erf_sizes', 'erf_table',
    'module_layers', 'RoIAlignCrops', 'RoIAlignFGDataPreprocessor'
]
