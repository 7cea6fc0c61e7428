"""Model utilities: the data preprocessor for multi-input samples and
analysis helpers."""
from .erf import erf_sizes, erf_table, module_layers

__all__ = ['erf_sizes', 'erf_table', 'module_layers']
