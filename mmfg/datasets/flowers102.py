"""Oxford Flowers-102 on mmpretrain's ``Flowers102``, with clear errors."""
import os.path as osp

from mmpretrain.datasets import Flowers102

from mmfg.registry import DATASETS
from .base import FGVCMixin, load_mat, mat_list, mat_var


@DATASETS.register_module()
class Flowers102FG(FGVCMixin, Flowers102):
    """Oxford 102 Category Flower Dataset, official layout.

    8,189 images of 102 flower categories; the official split (``setid.mat``)
    has 10 train + 10 val images per class (1,020 + 1,020) and 6,149 test
    images. Extends mmpretrain's ``Flowers102`` (same layout, splits and
    default ``split='trainval'``) with the common mmfg behaviour
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
        proposal_file, check_files, missing_images, test_mode: see
            :class:`mmfg.datasets.base.FGVCDataset` (``test_mode`` defaults
            to ``split in ('val', 'test')``).
        **kwargs: the rest of :class:`mmpretrain.datasets.BaseDataset`.
    """
    METAINFO = {}
    SPLITS = ('train', 'val', 'trainval', 'test')
    LAYOUT = 'flowers102/{jpg/image_NNNNN.jpg, imagelabels.mat, setid.mat}'
    PREPARE_HINT = ('Download 102flowers.tgz, imagelabels.mat and setid.mat '
                    '(https://www.robots.ox.ac.uk/~vgg/data/flowers/102/) '
                    'into data_root and extract the tgz there; see '
                    'docs/datasets.md.')
    SPLIT_KEYS = {'train': ('trnid', ), 'val': ('valid', ),
                  'trainval': ('trnid', 'valid'), 'test': ('tstid', )}

    def __init__(self, data_root, split='trainval', proposal_file=None,
                 check_files=None, missing_images='error', test_mode=None,
                 **kwargs):
        root = self._setup_fgvc(data_root, split, proposal_file, check_files,
                                missing_images)
        super().__init__(data_root=root, split=split, **kwargs)
        self.test_mode = (split in ('val', 'test')
                          if test_mode is None else test_mode)

    def _int_vector(self, mat, key, path):
        values = mat_list(mat_var(mat, key, path, type(self).__name__))
        for i, v in enumerate(values):
            if not isinstance(v, (int, float)) or v != int(v) or v < 1:
                raise self._data_error(path, f'{key}[{i + 1}] = {v!r} is not '
                                       'a positive integer')
        return [int(v) for v in values]

    def load_data_list(self):
        owner = type(self).__name__
        img_dir = self._require_dir('jpg')
        labels_path = self._require_file('imagelabels.mat')
        split_path = self._require_file('setid.mat')
        labels = self._int_vector(load_mat(labels_path, owner), 'labels',
                                  labels_path)
        setid = load_mat(split_path, owner)
        ids = []
        for key in self.SPLIT_KEYS[self.split]:
            ids += self._int_vector(setid, key, split_path)
        self._set_classes(f'flower_{k:03d}'
                          for k in range(1, max(labels, default=0) + 1))
        items = []
        for n in ids:
            if n > len(labels):
                raise self._data_error(
                    split_path, f'image number {n} is beyond the '
                    f'{len(labels)} labels of {labels_path}')
            items.append(dict(img_path=osp.join(img_dir, f'image_{n:05d}.jpg'),
                              gt_label=labels[n - 1] - 1))
        return self._finish(items)
