"""MNIST and Fashion-MNIST read from their idx files, with an honest split.

mmpretrain's ``MNIST``/``FashionMNIST`` choose the files from ``test_mode``
and ignore ``split``: ``split='test'`` alone silently evaluates on the
training set. These classes extend them (and are registered under their
names in the ``mmfg`` scope) but read the files named by ``split`` and
nothing else, never download, and read ``.gz`` files directly.

Throughput: in a DataLoader worker, every sample of these datasets is a
handful of tiny tensors (a 28x28 image, a label), and PyTorch's default
way of sending tensors from a worker to the main process (one shared-memory
segment and one file-descriptor hand-over per tensor) costs far more than
making the sample: with 2 workers it delivered ~1.2k img/s where the same
pipeline in-process makes ~15k img/s. :func:`inline_small_tensors` makes
the worker send small tensors inline in the pickle stream instead (see
docs/benchmarks.md, "Data pipelines").

Expected layout (``tools/dataset_converters/prepare_fashion_mnist.py`` makes
it from Debian's ``dataset-fashion-mnist``; ``.gz`` files are read too)::

    data_root/
        train-images-idx3-ubyte   train-labels-idx1-ubyte
        t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
"""
import gzip
import os
from multiprocessing.reduction import ForkingPickler
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.fileio import get
from mmpretrain.datasets import MNIST as _MMPretrainMNIST
from mmpretrain.datasets import FashionMNIST as _MMPretrainFashionMNIST
# (sic: mmpretrain spells these CATEGORITES)
from mmpretrain.datasets.categories import \
    FASHIONMNIST_CATEGORITES as FASHIONMNIST_CATEGORIES
from mmpretrain.datasets.categories import \
    MNIST_CATEGORITES as MNIST_CATEGORIES
from torch.multiprocessing.reductions import reduce_tensor
from torch.utils.data import get_worker_info

from mmfg.registry import DATASETS
from mmfg.utils import ConfigError, DataError
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
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise DataError(f'{path} is truncated or corrupt: the header says '
                        f'shape {shape} but the file has {len(raw)} bytes')
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


#: tensors up to this many bytes travel inline from DataLoader workers
INLINE_TENSOR_BYTES = 1 << 18
_INLINE_PID = None


def _rebuild_inline(array):
    """A tensor from the array of :func:`_reduce_small_tensor`."""
    if not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(array)


def _reduce_small_tensor(tensor):
    """Pickle a small plain CPU tensor by value; anything else (large,
    on a device, needing grad, subclasses, dtypes numpy lacks) the PyTorch
    way (shared memory)."""
    if (type(tensor) is torch.Tensor and tensor.device.type == 'cpu'
            and tensor.layout == torch.strided and not tensor.requires_grad
            and not tensor.is_conj() and not tensor.is_neg()
            and tensor.numel() * tensor.element_size() <= INLINE_TENSOR_BYTES):
        try:
            return _rebuild_inline, (tensor.numpy(), )
        except (TypeError, RuntimeError):  # e.g. bfloat16
            pass
    return reduce_tensor(tensor)


def inline_small_tensors():
    """In a DataLoader worker process, send small tensors to the main
    process inline (pickled by value, up to ``INLINE_TENSOR_BYTES``)
    instead of through one shared-memory segment each.

    PyTorch's default moves every tensor of a batch into its own shared
    memory segment and hands its file descriptor over a socket: tens of
    microseconds per tensor, far more than a 28x28 sample costs to make.
    Only the calling worker process is changed (it serves one DataLoader);
    the main process and large tensors (over 256 KiB) keep the default.
    Does nothing outside a worker or when already done in this process.
    """
    global _INLINE_PID
    pid = os.getpid()
    if _INLINE_PID == pid or get_worker_info() is None:
        return
    ForkingPickler.register(torch.Tensor, _reduce_small_tensor)
    _INLINE_PID = pid


class _IdxDataset(FGVCDataset):
    """Images and labels from the idx files of ``split``.

    Items: ``img`` (H, W) uint8, ``gt_label`` and ``img_key``
    (``"<images file>/<index>"``, the key of a proposal file).

    Args:
        data_root (str): folder with the four idx files (see module doc).
        split (str): 'train' or 'test'. ``test_mode`` follows it unless
            given.
        pre_pipeline (list[dict], optional): deterministic transforms
            (e.g. ``Resize``, ``LowResolution``) applied ONCE to every image
            when the dataset is built, instead of at every access: the
            images are tiny, so per-sample Python transforms, not the
            model, bound the training speed. The result equals putting the
            same transforms first in ``pipeline`` (tested byte for byte);
            random transforms are refused (they must stay in
            ``pipeline``).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`
            (``pipeline``, ``indices``, ``backend_args``, ...).
    """
    SPLITS = tuple(SPLIT_FILES)
    CHECK_FILES = False

    def __init__(self,
                 *args,
                 pre_pipeline: Optional[Sequence[Union[dict,
                                                       Callable]]] = None,
                 **kwargs) -> None:
        self.pre_pipeline = list(pre_pipeline or [])
        for t in self.pre_pipeline:
            name = t.get('type', '') if isinstance(t, dict) else type(t)
            if 'Random' in str(name):
                raise ConfigError(
                    f'{type(self).__name__}: pre_pipeline runs once per '
                    f'image and must be deterministic; move {name} to '
                    'pipeline')
        super().__init__(*args, **kwargs)

    def _apply_pre_pipeline(self, items):
        if not self.pre_pipeline:
            return items
        from mmengine.dataset import Compose
        pre = Compose(self.pre_pipeline)
        out = []
        for item in items:
            result = pre(dict(item))
            if result is None:
                raise DataError(f'{type(self).__name__}: pre_pipeline '
                                f'dropped {item["img_key"]}')
            out.append(result)
        return out

    def __getitem__(self, idx):
        if _INLINE_PID != os.getpid():
            inline_small_tensors()
        return super().__getitem__(idx)

    def _find(self, name):
        for candidate in (name, name + '.gz'):
            path = self._path(candidate)
            if self._isfile(path):
                return self._note_file(path)
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
        return self._apply_pre_pipeline([
            dict(img=img, gt_label=int(label), img_key=f'{img_name}/{i}')
            for i, (img, label) in enumerate(zip(imgs, labels))
        ])


@DATASETS.register_module()
class MNIST(_IdxDataset, _MMPretrainMNIST):
    """MNIST (10 digits) from its idx files; see the module docstring."""
    METAINFO = {'classes': MNIST_CATEGORIES}
    IMAGE_SIZE = (28, 28)
    PREPARE_HINT = ('Download the four official *-ubyte.gz files of MNIST '
                    'into data_root.')


@DATASETS.register_module()
class FashionMNIST(_IdxDataset, _MMPretrainFashionMNIST):
    """Fashion-MNIST (10 clothing classes) from its idx files; see the
    module docstring."""
    METAINFO = {'classes': FASHIONMNIST_CATEGORIES}
    IMAGE_SIZE = (28, 28)
    PREPARE_HINT = ('Run bash tools/setup.sh, or apt-get install '
                    'dataset-fashion-mnist && python '
                    'tools/dataset_converters/prepare_fashion_mnist.py')
