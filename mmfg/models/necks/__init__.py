"""Necks registered in ``mmfg.registry.MODELS``."""
from .fve_gap_neck import GAPPartNeck
from .fve_part_neck import FVEPartNeck
from .pointwise_conv_gap import PointwiseConvGAP
from .recurrent_attention import RecurrentAttentionNeck

__all__ = [
    'FVEPartNeck', 'GAPPartNeck', 'RecurrentAttentionNeck', 'PointwiseConvGAP'
]
