"""Oxford Flowers-102 on mmpretrain's ``Flowers102``, with clear errors."""
from mmpretrain.datasets import Flowers102 as _MMPretrainFlowers102

from mmfg.registry import DATASETS
from .annotation_table import first_repeat
from .base_dataset import SOURCE_KEY, FGVCDataset
from .mat_files import mat_list, mat_var


@DATASETS.register_module()
class Flowers102(FGVCDataset, _MMPretrainFlowers102):
    """Oxford 102 Category Flower Dataset, official layout.

    8,189 images of 102 flower categories; the official split (``setid.mat``)
    has 10 train + 10 val images per class (1,020 + 1,020) and 6,149 test
    images. Extends mmpretrain's ``Flowers102`` (same layout, splits and
    default ``split='trainval'``; registered under its name in the ``mmfg``
    scope) with the common mmfg behaviour
    (``proposal_file``, ``check_files``, errors naming the file) and reads
    the ``.mat`` files with scipy (mmpretrain's mat4py reader turns a
    one-element split into a scalar and fails on it).

    Layout (``102flowers.tgz``, ``imagelabels.mat`` and ``setid.mat`` in
    one folder)::

        flowers102/
        ├── jpg/
        │   ├── image_00001.jpg
        │   └── ...              image_08189.jpg
        ├── imagelabels.mat      labels: 1 x 8189, class of image i (1..102)
        └── setid.mat            trnid, valid, tstid: 1-based image numbers

    Labels are ``labels - 1``. The release has no class names:
    ``metainfo['classes']`` is ``('flower_001', ..., 'flower_102')``
    (the official 1-based class number). No boxes or parts.

    Args:
        data_root (str): the folder above.
        split (str): 'train', 'val', 'trainval' (train + val) or 'test'.
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`
            (``proposal_file``, ``check_files``, ``backend_args``, ...;
            ``test_mode`` defaults to ``split in ('val', 'test')``).
    """
    METAINFO = {}
    SPLITS = ('train', 'val', 'trainval', 'test')
    DEFAULT_SPLIT = 'trainval'
    LAYOUT = 'flowers102/{jpg/image_NNNNN.jpg, imagelabels.mat, setid.mat}'
    PREPARE_HINT = ('Download 102flowers.tgz, imagelabels.mat and setid.mat '
                    '(https://www.robots.ox.ac.uk/~vgg/data/flowers/102/) '
                    'into data_root and extract the tgz there; see '
                    'docs/datasets.md.')
    SPLIT_KEYS = {
        'train': ('trnid', ),
        'val': ('valid', ),
        'trainval': ('trnid', 'valid'),
        'test': ('tstid', )
    }

    def _int_vector(self, mat, key, path):
        values = mat_list(mat_var(mat, key, path, type(self).__name__))
        for i, v in enumerate(values):
            if not isinstance(v, (int, float)) or v != int(v) or v < 1:
                raise self._data_error(
                    path, f'{key}[{i + 1}] = {v!r} is not '
                    'a positive integer')
        return [int(v) for v in values]

    def load_items(self):
        self._require_dir('jpg')
        labels_path = self._require_file('imagelabels.mat')
        split_path = self._require_file('setid.mat')
        labels = self._int_vector(
            self._load_mat(labels_path), 'labels', labels_path)
        setid = self._load_mat(split_path)
        # every image number once over trnid, valid and tstid: a repeat
        # adds an image twice, or puts a test image into training
        # (the split's own lists must exist; the others are checked when
        # present)
        own = self.SPLIT_KEYS[self.split]
        lists = {
            key: self._int_vector(setid, key, split_path)
            for key in own + tuple(
                k for k in ('trnid', 'valid', 'tstid')
                if k not in own and k in setid)
        }
        where = [(key, i) for key, ids in lists.items()
                 for i in range(len(ids))]
        rep = first_repeat([n for ids in lists.values() for n in ids])
        if rep is not None:
            order = ('trnid', 'valid', 'tstid')
            (k1, i1), (k2, i2) = sorted((where[rep[0]], where[rep[1]]),
                                        key=lambda p:
                                        (order.index(p[0]), p[1]))
            raise self._data_error(
                split_path, f'image number {rep[2]} is listed twice, as '
                f'{k1}[{i1 + 1}] and {k2}[{i2 + 1}]; every image must be in '
                'one split once (a repeat counts it twice or puts a test '
                'image into training)')
        ids, sources = [], []
        for key in self.SPLIT_KEYS[self.split]:
            ids += lists[key]
            sources += [
                f'{split_path}, {key}[{i + 1}]'
                for i in range(len(lists[key]))
            ]
        self._set_classes(f'flower_{k:03d}'
                          for k in range(1,
                                         max(labels, default=0) + 1))
        items = []
        for n, source in zip(ids, sources):
            if n > len(labels):
                raise self._data_error(
                    split_path, f'image number {n} is beyond the '
                    f'{len(labels)} labels of {labels_path}')
            items.append({
                'img_path': self._path(f'jpg/image_{n:05d}.jpg'),
                'gt_label': labels[n - 1] - 1,
                SOURCE_KEY: source
            })
        return items
