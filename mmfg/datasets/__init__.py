from .mnist import FashionMNISTIdx, MNISTIdx

__all__ = ['FashionMNISTIdx', 'MNISTIdx']
from .transforms import *  # noqa: F401,F403 (registers the transforms)
