"""MNIST and Fashion-MNIST read from their idx files, with an honest split.

mmpretrain's ``MNIST``/``FashionMNIST`` choose the files from ``test_mode``
and ignore ``split``: ``split='test'`` alone silently evaluates on the
training set. These classes extend them (and are registered under their
names in the ``mmfg`` scope) but read the files named by ``split`` and
nothing else, never download, and read ``.gz`` files directly.

Expected layout (``tools/dataset_converters/prepare_fashion_mnist.py`` makes
it from Debian's ``dataset-fashion-mnist``; ``.gz`` files are read too)::

    data_root/
        train-images-idx3-ubyte   train-labels-idx1-ubyte
        t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
"""
import gzip

import numpy as np
from mmengine.fileio import get
from mmpretrain.datasets import FashionMNIST as _MMPretrainFashionMNIST
from mmpretrain.datasets import MNIST as _MMPretrainMNIST
# (sic: mmpretrain spells these CATEGORITES)
from mmpretrain.datasets.categories import \
    FASHIONMNIST_CATEGORITES as FASHIONMNIST_CATEGORIES
from mmpretrain.datasets.categories import \
    MNIST_CATEGORITES as MNIST_CATEGORIES

from mmfg.registry import DATASETS
from mmfg.utils import DataError
from .base_dataset import FGVCDataset

SPLIT_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}


def read_idx(path, backend_args=None):
    """Read an idx file (optionally .gz) into a uint8 array.

    Args:
        path (str): the file (a local path or a backend URI).
        backend_args (dict, optional): arguments of the file backend.

    Returns:
        np.ndarray: (N, H, W) for idx3 image files, (N,) for idx1 labels.
    """
    raw = get(path, backend_args=backend_args)
    if path.endswith('.gz'):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f'{path} is not a valid gzip file ({exc})') \
                from None
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


class _IdxDataset(FGVCDataset):
    """Images and labels from the idx files of ``split``.

    Items: ``img`` (H, W) uint8, ``gt_label`` and ``img_key``
    (``"<images file>/<index>"``, the key of a proposal file).

    Args:
        data_root (str): folder with the four idx files (see module doc).
        split (str): 'train' or 'test'. ``test_mode`` follows it unless
            given.
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`
            (``pipeline``, ``indices``, ``backend_args``, ...).
    """
    SPLITS = tuple(SPLIT_FILES)
    CHECK_FILES = False

    def _find(self, name):
        for candidate in (name, name + '.gz'):
            path = self._path(candidate)
            if self._isfile(path):
                return path
        layout = ', '.join(f for pair in SPLIT_FILES.values() for f in pair)
        where = (f'data_root {self.data_root} does not exist'
                 if not self._isdir(self.data_root) else
                 f'{self._path(name)} (or .gz) not found')
        raise FileNotFoundError(
            f'{type(self).__name__}: {where}. Expected the idx files '
            f'{layout} in data_root. {self.PREPARE_HINT}')

    def load_items(self):
        img_name, label_name = SPLIT_FILES[self.split]
        img_file, label_file = self._find(img_name), self._find(label_name)
        imgs = read_idx(img_file, self.backend_args)
        labels = read_idx(label_file, self.backend_args)
        if imgs.ndim != 3 or labels.ndim != 1 or len(imgs) != len(labels):
            raise DataError(
                f'{img_file} holds {imgs.shape} but {label_file} holds '
                f'{labels.shape}: expected (N, H, W) images and N labels')
        num_classes = len(self.metainfo['classes'])
        if len(labels) and labels.max() >= num_classes:
            raise DataError(f'{label_file} has label {labels.max()} but '
                            f'{type(self).__name__} has {num_classes} '
                            'classes')
        return [
            dict(img=img, gt_label=int(label), img_key=f'{img_name}/{i}')
            for i, (img, label) in enumerate(zip(imgs, labels))
        ]


@DATASETS.register_module()
class MNIST(_IdxDataset, _MMPretrainMNIST):
    """MNIST (10 digits) from its idx files; see the module docstring."""
    METAINFO = {'classes': MNIST_CATEGORIES}
    PREPARE_HINT = ('Download the four official *-ubyte.gz files of MNIST '
                    'into data_root.')


@DATASETS.register_module()
class FashionMNIST(_IdxDataset, _MMPretrainFashionMNIST):
    """Fashion-MNIST (10 clothing classes) from its idx files; see the
    module docstring."""
    METAINFO = {'classes': FASHIONMNIST_CATEGORIES}
    PREPARE_HINT = ('Run bash tools/setup.sh, or apt-get install '
                    'dataset-fashion-mnist && python '
                    'tools/dataset_converters/prepare_fashion_mnist.py')
