"""Necks registered in ``mmfg.registry.MODELS``."""
from .pointwise_conv_gap import PointwiseConvGAP
from .recurrent_attention import RecurrentAttentionNeck

__all__ = ['RecurrentAttentionNeck', 'PointwiseConvGAP']
