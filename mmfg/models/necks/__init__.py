"""Necks registered in ``mmfg.registry.MODELS``."""
__all__ = []
