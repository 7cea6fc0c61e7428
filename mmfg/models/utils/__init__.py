"""Model analysis helpers."""
from .erf import erf_sizes, erf_table, module_layers

__all__ = ['erf_sizes', 'erf_table', 'module_layers']
