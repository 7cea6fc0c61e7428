"""High-level APIs: build a model from config + checkpoint, inference."""
__all__ = []
