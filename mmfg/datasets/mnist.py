"""MNIST and Fashion-MNIST read from their idx files, with an honest split.

mmpretrain's ``MNIST``/``FashionMNIST`` choose the files from ``test_mode``
and ignore ``split``: ``split='test'`` alone silently evaluates on the
training set. These classes read the files named by ``split`` and nothing
else.

Expected layout (``tools/dataset_converters/prepare_fashion_mnist.py`` makes
it from Debian's ``dataset-fashion-mnist``; ``.gz`` files are read too)::

    data_root/
        train-images-idx3-ubyte   train-labels-idx1-ubyte
        t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
"""
import gzip
import os.path as osp

import numpy as np
from mmpretrain.datasets import BaseDataset
# (sic: mmpretrain spells these CATEGORITES)
from mmpretrain.datasets.categories import \
    FASHIONMNIST_CATEGORITES as FASHIONMNIST_CATEGORIES
from mmpretrain.datasets.categories import \
    MNIST_CATEGORITES as MNIST_CATEGORIES

from mmfg.utils.errors import DataError
from mmfg.registry import DATASETS

SPLIT_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}


def read_idx(path):
    """Read an idx file (optionally .gz) into a uint8 array.

    Returns:
        np.ndarray: (N, H, W) for idx3 image files, (N,) for idx1 labels.
    """
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f'{path} is not an idx file of unsigned bytes '
                        '(bad magic number)')
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big')
                  for i in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise DataError(f'{path} is truncated or corrupt: the header says '
                        f'shape {shape} but the file has {len(raw)} bytes')
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


class _IdxDataset(BaseDataset):
    """Images and labels from the idx files of ``split``.

    Args:
        data_root (str): folder with the four idx files (see module doc).
        split (str): 'train' or 'test'. ``test_mode`` follows it unless
            given.
        **kwargs: the rest of :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``indices``, ...).
    """
    PREPARE_HINT = ''

    def __init__(self, data_root, split='train', **kwargs):
        if split not in SPLIT_FILES:
            raise ValueError(f'split must be one of {list(SPLIT_FILES)}, '
                             f'got {split!r}')
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _find(self, name):
        for candidate in (name, name + '.gz'):
            path = osp.join(self.data_root, candidate)
            if osp.isfile(path):
                return path
        layout = ', '.join(f for pair in SPLIT_FILES.values() for f in pair)
        where = (f'data_root {self.data_root} does not exist'
                 if not osp.isdir(self.data_root) else
                 f'{osp.join(self.data_root, name)} (or .gz) not found')
        raise FileNotFoundError(
            f'{type(self).__name__}: {where}. Expected the idx files '
            f'{layout} in data_root. {self.PREPARE_HINT}')

    def load_data_list(self):
        img_file, label_file = (self._find(n) for n in SPLIT_FILES[self.split])
        imgs, labels = read_idx(img_file), read_idx(label_file)
        if imgs.ndim != 3 or labels.ndim != 1 or len(imgs) != len(labels):
            raise DataError(
                f'{img_file} holds {imgs.shape} but {label_file} holds '
                f'{labels.shape}: expected (N, H, W) images and N labels')
        num_classes = len(self.metainfo['classes'])
        if labels.max() >= num_classes:
            raise DataError(f'{label_file} has label {labels.max()} but '
                            f'{type(self).__name__} has {num_classes} '
                            'classes')
        return [
            dict(img=img, gt_label=int(label))
            for img, label in zip(imgs, labels)
        ]

    def extra_repr(self):
        return [f'Split: \t{self.split}', f'Data root: \t{self.data_root}']


@DATASETS.register_module()
class MNISTIdx(_IdxDataset):
    """MNIST (10 digits) from its idx files; see the module docstring."""
    METAINFO = {'classes': MNIST_CATEGORIES}
    PREPARE_HINT = ('Download the four official *-ubyte.gz files of MNIST '
                    'into data_root.')


@DATASETS.register_module()
class FashionMNISTIdx(_IdxDataset):
    """Fashion-MNIST (10 clothing classes) from its idx files; see the
    module docstring."""
    METAINFO = {'classes': FASHIONMNIST_CATEGORIES}
    PREPARE_HINT = ('Run bash tools/setup.sh, or apt-get install '
                    'dataset-fashion-mnist && python '
                    'tools/dataset_converters/prepare_fashion_mnist.py')
