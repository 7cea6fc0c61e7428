"""Evaluation: metrics beyond mmpretrain's (``mmfg.registry.METRICS``)."""
from .sr_metrics import SRMSEMetric  # noqa: F401
__all__ = []
