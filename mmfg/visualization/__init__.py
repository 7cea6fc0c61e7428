"""Visualisation: CAM saliency, box/part drawing (``mmfg.registry.VISUALIZERS``)."""
__all__ = []
