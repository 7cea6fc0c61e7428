"""Miniature MNIST / Fashion-MNIST in the official idx layout."""
import gzip
import os

import numpy as np

from mmfg.datasets.mnist import SPLIT_FILES


def write_idx(path, array, gz=False):
    """Write an idx file of unsigned bytes (big-endian dimensions)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    opener = gzip.open if gz else open
    with opener(path, 'wb') as f:
        f.write(header + array.tobytes())


def make_mnist(root, num_classes=10, images_per_class=2, seed=0):
    """Random 28x28 digits in the MNIST layout; returns the fixture dict."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    n = num_classes * images_per_class
    for img_file, label_file in SPLIT_FILES.values():
        write_idx(
            os.path.join(root, img_file), rng.integers(0, 256, (n, 28, 28)))
        write_idx(
            os.path.join(root, label_file),
            np.repeat(np.arange(num_classes), images_per_class))
    return dict(data_root=str(root), num_classes=num_classes)
