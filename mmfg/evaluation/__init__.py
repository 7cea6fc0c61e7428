"""Evaluation: metrics beyond mmpretrain's (``mmfg.registry.METRICS``)."""
__all__ = []
