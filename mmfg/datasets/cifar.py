"""CIFAR-10 from the python-pickle batches, read strictly by ``split``.

The batches are pickles; they are read as data only
(:func:`mmfg.utils.safe_pickle.load_data_pickle`: dicts, lists, bytes,
numbers and numpy arrays), so a crafted batch file cannot run code.
"""
import posixpath

import numpy as np
from mmengine.fileio import get
from mmpretrain.datasets import CIFAR10 as _MMPretrainCIFAR10

from mmfg.registry import DATASETS
from mmfg.utils.errors import DataError
from mmfg.utils.safe_pickle import load_data_pickle
from .base_dataset import FGVCDataset

TRAIN_BATCHES = tuple(f'data_batch_{i}' for i in range(1, 6))
TEST_BATCHES = ('test_batch', )
META_FILE = 'batches.meta'


def _str_keys(obj):
    """Python-2 pickles loaded with ``encoding='bytes'`` have bytes keys."""
    if isinstance(obj, dict):
        return {
            (k.decode('latin1') if isinstance(k, bytes) else k): v
            for k, v in obj.items()
        }
    return obj


@DATASETS.register_module()
class CIFAR10(FGVCDataset, _MMPretrainCIFAR10):
    """CIFAR-10, python version, with an honest ``split``.

    50,000 train (5 batches of 10,000) / 10,000 test 32x32 colour images of
    10 classes. Extends mmpretrain's ``CIFAR10`` (registered under its name
    in the ``mmfg`` scope) with these differences: no download and
    no md5 check (offline use, and copies re-pickled by other tools load
    too), the files of ``split`` and nothing else are read, every file
    problem names the file, and ``proposal_file`` works (keys
    ``"<batch>/<index in batch>"``, e.g. ``"test_batch/17"``).

    Layout (``cifar-10-python.tar.gz`` extracted; ``data_root`` is the
    folder that holds ``cifar-10-batches-py``, or that folder itself)::

        data_root/
        └── cifar-10-batches-py/
            ├── data_batch_1 ... data_batch_5   dict: data (N, 3072) uint8,
            │                                   labels (N,) 0..9,
            │                                   filenames, batch_label
            ├── test_batch
            └── batches.meta                    label_names (10)

    Each row of ``data`` is the 1024 red, then green, then blue values of
    one image in row-major order; items carry ``img`` as ``(32, 32, 3)``
    uint8 RGB (as mmpretrain's CIFAR10), ``gt_label`` from ``labels`` and
    ``img_key``.

    Args:
        data_root (str): see above.
        split (str): 'train' or 'test'.
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    METAINFO = {}  # class names come from batches.meta
    IMAGE_SIZE = (32, 32)
    SPLITS = ('train', 'test')
    CHECK_FILES = False
    LAYOUT = ('cifar-10-batches-py/{data_batch_1..data_batch_5, test_batch, '
              'batches.meta}')
    PREPARE_HINT = ('Download cifar-10-python.tar.gz (https://www.cs.'
                    'toronto.edu/~kriz/cifar.html) and extract it into '
                    'data_root; see docs/datasets.md.')

    def _batch_dir(self):
        nested = self._path('cifar-10-batches-py')
        return 'cifar-10-batches-py' if self._isdir(nested) else ''

    def _load_pickle(self, rel, keys):
        path = self._require_file(rel)
        try:
            raw = get(path, backend_args=self.backend_args)
            content = _str_keys(
                load_data_pickle(
                    raw,
                    path,
                    what='CIFAR-10 batch file',
                    fix='The official batches hold only dicts, lists, bytes '
                    'and numpy arrays: extract cifar-10-python.tar.gz again',
                    encoding='latin1'))
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - unpickling raises anything
            raise self._data_error(
                path, f'cannot be unpickled '
                f'({type(exc).__name__}: {exc})') from None
        if not isinstance(content, dict) or any(k not in content
                                                for k in keys):
            have = sorted(content) if isinstance(
                content, dict) else type(content).__name__
            raise self._data_error(
                path, f'expected a dict with keys '
                f'{list(keys)}, got {have}')
        return path, content

    def load_items(self):
        sub = self._batch_dir()
        meta_path, meta = self._load_pickle(
            posixpath.join(sub, META_FILE), ('label_names', ))
        names = [
            n.decode() if isinstance(n, bytes) else str(n)
            for n in meta['label_names']
        ]
        self._set_classes(names)
        batches = TRAIN_BATCHES if self.split == 'train' else TEST_BATCHES
        items = []
        for batch in batches:
            path, content = self._load_pickle(
                posixpath.join(sub, batch), ('data', 'labels'))
            data = np.asarray(content['data'])
            labels = np.asarray(content['labels'])
            if data.dtype != np.uint8 or data.ndim != 2 or \
                    data.shape[1] != 3072 or labels.shape != (len(data), ):
                raise self._data_error(
                    path, f'data is {data.dtype} {data.shape} and labels '
                    f'{labels.shape}; expected uint8 (N, 3072) and (N,)')
            if len(labels) and (labels.min() < 0
                                or labels.max() >= len(names)):
                raise self._data_error(
                    path, f'labels must be in 0..{len(names) - 1} (the '
                    f'{len(names)} label_names of {meta_path}), got '
                    f'{labels.min()}..{labels.max()}')
            imgs = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            for i, (img, label) in enumerate(zip(imgs, labels)):
                items.append(
                    dict(
                        img=np.ascontiguousarray(img),
                        gt_label=int(label),
                        img_key=f'{batch}/{i}'))
        return items
