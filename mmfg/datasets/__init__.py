from .mnist import FashionMNISTIdx, MNISTIdx

__all__ = ['FashionMNISTIdx', 'MNISTIdx']
