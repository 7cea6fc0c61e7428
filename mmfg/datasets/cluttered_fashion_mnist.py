"""Cluttered Fashion-MNIST: a localisation-sensitive benchmark made offline
from the real Fashion-MNIST.

Every sample is composed on the fly from one source image of the real idx
files, in the spirit of the cluttered MNIST of the spatial-transformer
literature (Jaderberg et al., NeurIPS 2015; the FVE authors used the same
idea with a 128x128 canvas and ten 10x10 clutter patches):

1. a black ``canvas_size`` x ``canvas_size`` canvas (S, default 112);
2. ``num_distractors`` fragments (K, default 8): ``distractor_size``
   squares (d, default 14) cut at random positions from random source
   images *of other classes* than the sample's, pasted at random positions
   (pixel-wise maximum with the canvas, so fragments overlap like light);
3. the object: the sample's own source image resized (bilinear) by a random
   factor in ``scale_range`` (default 1x-2x: 28 to 56 px) and pasted on
   top at a random position fully inside the canvas. Its non-zero pixels
   are opaque and replace what lies under them; its zero pixels
   (background) are transparent, so clutter shows between its parts.

Train = the 60,000 training images, test = the 10,000 test images: sample
``i`` of a split is built around image ``i`` of that split's idx file and
keeps its label. The composition depends only on ``(seed, split, i)``: its
random choices are row ``i`` of one table of uniform numbers drawn from
``numpy.random.default_rng([seed, split code])`` (PCG64, the same numbers
on every platform), turned into integer placements once when the dataset
is built (vectorised, ~0.05 s and 11 MB for the 60,000 training samples;
nothing is written to disk). The same sample on every run, worker and
machine; composing one costs ~0.1 ms.

Fields of a sample (MMCV's layouts, see
:mod:`mmfg.datasets.transforms.coords`; pixel ``i`` spans ``[i, i + 1)``):

* ``img``: (S, S) uint8;
* ``gt_label``: the source image's label;
* ``gt_bboxes``: float32 (1, 4) ``x1, y1, x2, y2``, the tight box of the
  object's pasted (non-zero) pixels in canvas pixels;
* ``gt_keypoints``: float32 (1, 4, 3) ``x, y, visible``: four synthetic
  ground-truth parts, the centres of the 2x2 grid cells of the box, in
  the order of :attr:`ClutteredFashionMNIST.PART_NAMES` (top-left,
  top-right, bottom-left, bottom-right); ``visible`` = 1 when that cell
  holds at least one object pixel (a sandal's empty corner is 0);
* ``src_index``: ``i``; ``img_key``: ``"cluttered/<images file>/<i>"``
  (the key of a proposal file).

Expected layout: the Fashion-MNIST idx files of
:class:`~mmfg.datasets.mnist.FashionMNIST` (``.gz`` or extracted)::

    data_root/
        train-images-idx3-ubyte   train-labels-idx1-ubyte
        t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
"""
import numbers
from typing import Tuple

import cv2
import numpy as np

from mmfg.registry import DATASETS
from mmfg.utils import ConfigError, DataError
from .mnist import (FASHIONMNIST_CATEGORIES, SPLIT_FILES, FashionMNIST,
                    _IdxDataset, read_idx)

#: the split's code in the seed of every sample's random stream
SPLIT_CODES = {'train': 0, 'test': 1}
PART_NAMES = ('top-left', 'top-right', 'bottom-left', 'bottom-right')


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@DATASETS.register_module()
class ClutteredFashionMNIST(_IdxDataset):
    """Fashion-MNIST items, small, among fragments of other items on a
    large canvas, with their box and four parts (see the module docstring
    for the composition and the fields).

    Args:
        data_root (str): folder with the Fashion-MNIST idx files.
        split (str): 'train' (60,000 samples) or 'test' (10,000).
        canvas_size (int): S, side of the square canvas in pixels.
            Defaults to 112.
        scale_range (tuple[float, float]): the object is the 28x28 source
            resized by a factor drawn uniformly in this range. Defaults to
            (1., 2.).
        num_distractors (int): K clutter fragments per sample. Defaults
            to 8.
        distractor_size (int): d, side of the square fragments. Defaults
            to 14.
        seed (int): seed of the composition (not of training). Defaults
            to 0.
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`
            (``pipeline``, ``indices``, ``with_bbox``, ``with_parts``,
            ``backend_args``, ...); ``with_bbox``/``with_parts`` default
            to True.
    """
    METAINFO = {'classes': FASHIONMNIST_CATEGORIES}

    @classmethod
    def image_size_of(cls, ds_cfg: dict):
        """``(S, S)``: the canvas (``canvas_size``, default 112)."""
        size = int(ds_cfg.get('canvas_size', 112))
        return (size, size)

    HAS_BBOX = True
    HAS_PARTS = True
    PART_NAMES = PART_NAMES
    PREPARE_HINT = FashionMNIST.PREPARE_HINT
    LAYOUT = ', '.join(f for pair in SPLIT_FILES.values() for f in pair)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 canvas_size: int = 112,
                 scale_range: Tuple[float, float] = (1., 2.),
                 num_distractors: int = 8,
                 distractor_size: int = 14,
                 seed: int = 0,
                 **kwargs) -> None:
        name = type(self).__name__
        if kwargs.get('pre_pipeline'):
            raise ConfigError(f'{name}: pre_pipeline is not supported (the '
                              'canvases are composed at access); put the '
                              'transforms in pipeline')
        if split not in SPLIT_CODES:
            raise ValueError(f'{name}: split must be one of '
                             f'{list(SPLIT_CODES)}, got {split!r}')
        int_args = dict(
            canvas_size=(canvas_size, 1),
            num_distractors=(num_distractors, 0),
            distractor_size=(distractor_size, 1),
            seed=(seed, 0))
        for arg, (value, low) in int_args.items():
            if not _is_int(value) or value < low:
                raise ConfigError(f'{name}: {arg} must be an integer >= '
                                  f'{low}, got {value!r}')
        try:
            lo, hi = (float(v) for v in scale_range)
        except (TypeError, ValueError):
            lo = hi = None
        if lo is None or not 0 < lo <= hi:
            raise ConfigError(f'{name}: scale_range must be (low, high) with '
                              f'0 < low <= high, got {scale_range!r}')
        self.canvas_size = int(canvas_size)
        self.scale_range = (lo, hi)
        self.num_distractors = int(num_distractors)
        self.distractor_size = int(distractor_size)
        self.seed = int(seed)
        super().__init__(data_root, split=split, **kwargs)

    # ------------------------------------------------------------- loading
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
        self._check_sizes(imgs.shape[1:], img_file)
        counts = np.bincount(labels, minlength=num_classes)
        if self.num_distractors and len(labels) and (counts
                                                     == len(labels)).any():
            raise DataError(f'{img_file}: every image has the same class, so '
                            'there is no image of another class to cut '
                            'clutter from (use num_distractors=0)')
        self._images = imgs
        self._labels = labels.astype(np.int64)
        # images sorted by class: the i-th image not of class c is
        # _by_class[i + count_c if i >= _class_start[c] else i]
        self._by_class = np.argsort(labels, kind='stable')
        self._class_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._class_count = counts
        self._placements = self._draw_placements()
        return [
            dict(
                gt_label=int(label),
                src_index=i,
                img_key=f'cluttered/{img_name}/{i}')
            for i, label in enumerate(labels)
        ]

    def _check_sizes(self, src_hw, img_file):
        name = type(self).__name__
        S, d = self.canvas_size, self.distractor_size
        h, w = (int(round(n * self.scale_range[1])) for n in src_hw)
        if max(h, w) > S:
            raise ConfigError(
                f'{name}: canvas_size={S} is smaller than the largest '
                f'object ({src_hw[1]}x{src_hw[0]} px x scale '
                f'{self.scale_range[1]:g} = {w}x{h} px): use canvas_size >= '
                f'{max(h, w)} or a smaller scale_range')
        if min(h, w) < 1 or round(min(src_hw) * self.scale_range[0]) < 1:
            raise ConfigError(f'{name}: scale_range {self.scale_range} '
                              f'shrinks the {src_hw[1]}x{src_hw[0]} images '
                              f'of {img_file} to nothing')
        if self.num_distractors and (d > min(src_hw) or d > S):
            raise ConfigError(
                f'{name}: distractor_size={d} is larger than the '
                f'{src_hw[1]}x{src_hw[0]} source images or the canvas '
                f'({S}): use distractor_size <= {min(min(src_hw), S)}')

    # --------------------------------------------------------- composition
    def _draw_placements(self):
        """The integer placements of every sample of the split, (N, 4 + 5K)
        int32: object h, w, x, y, then per fragment the source image,
        crop y, x in it and paste y, x on the canvas (see
        :meth:`placement`)."""
        S, d, K = self.canvas_size, self.distractor_size, self.num_distractors
        labels = self._labels
        N, (src_h, src_w) = len(labels), self._images.shape[1:]
        rng = np.random.default_rng([self.seed, SPLIT_CODES[self.split]])
        u = rng.random((N, 3 + 5 * K))

        def pick(v, n):  # uniform integer in [0, n) from v in [0, 1)
            return np.minimum(np.floor(v * n), n - 1).astype(np.int64)

        lo, hi = self.scale_range
        scale = lo + (hi - lo) * u[:, 0]
        h = np.rint(src_h * scale).astype(np.int64)
        w = np.rint(src_w * scale).astype(np.int64)
        x, y = pick(u[:, 1], S - w + 1), pick(u[:, 2], S - h + 1)
        f = u[:, 3:].reshape(N, K, 5)
        count = self._class_count[labels][:, None]
        others = pick(f[..., 0], len(labels) - count)
        others += np.where(others >= self._class_start[labels][:, None], count,
                           0)
        frags = np.stack([
            self._by_class[others],
            pick(f[..., 1], src_h - d + 1),
            pick(f[..., 2], src_w - d + 1),
            pick(f[..., 3], S - d + 1),
            pick(f[..., 4], S - d + 1)
        ], -1).reshape(N, 5 * K)
        return np.concatenate([np.stack([h, w, x, y], 1), frags],
                              1).astype(np.int32)

    def placement(self, index):
        """The random choices of the sample built around source image
        ``index`` of the split (a function of ``(seed, split, index)``
        only).

        Returns:
            dict: ``obj_size`` (h, w) of the resized object, ``obj_xy``
            (x, y) of its top-left corner on the canvas, ``distractors``
            int64 (K, 5): per fragment the source image index, the crop's
            top-left (y, x) in the source and the paste's top-left (y, x)
            on the canvas.
        """
        row = self._placements[index]
        h, w, x, y = row[:4].tolist()
        return dict(
            obj_size=(h, w),
            obj_xy=(x, y),
            distractors=row[4:].reshape(-1, 5).astype(np.int64))

    def compose(self, index, clutter=True):
        """Compose the sample built around source image ``index``.

        Args:
            index (int): index of the source image in the split's idx file.
            clutter (bool): paste the distractor fragments. False gives the
                object alone on a black canvas.

        Returns:
            dict: ``img`` (S, S) uint8, ``gt_bboxes`` float32 (1, 4),
            ``gt_keypoints`` float32 (1, 4, 3) (see the module docstring).
        """
        S, d = self.canvas_size, self.distractor_size
        row = self._placements[index].tolist()  # see placement()
        h, w, x, y = row[:4]
        canvas = np.zeros((S, S), np.uint8)
        if clutter:
            images = self._images
            for k in range(4, len(row), 5):
                src, cy, cx, py, px = row[k:k + 5]
                region = canvas[py:py + d, px:px + d]
                np.maximum(
                    region, images[src, cy:cy + d, cx:cx + d], out=region)
        # bilinear, as mmcv.imresize(..., interpolation='bilinear')
        obj = cv2.resize(
            self._images[index], (w, h), interpolation=cv2.INTER_LINEAR)
        mask = obj > 0
        np.copyto(canvas[y:y + h, x:x + w], obj, where=mask)
        return dict(img=canvas, **self._box_and_parts(mask, x, y))

    @staticmethod
    def _box_and_parts(mask, x, y):
        """Tight box of ``mask`` (pasted at ``x, y``) and the 2x2 grid
        parts; an empty mask gives the pasted square, parts invisible."""
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if len(rows):
            r1, r2 = int(rows[0]), int(rows[-1]) + 1
            c1, c2 = int(cols[0]), int(cols[-1]) + 1
        else:
            r1, c1, (r2, c2) = 0, 0, mask.shape
        rm, cm = (r1 + r2) // 2, (c1 + c2) // 2
        points = []
        for ra, rb in ((r1, rm), (rm, r2)):
            for ca, cb in ((c1, cm), (cm, c2)):
                points.append([
                    x + (ca + cb) / 2, y + (ra + rb) / 2,
                    float(mask[ra:rb, ca:cb].any())
                ])
        box = np.array([[x + c1, y + r1, x + c2, y + r2]], np.float32)
        return dict(gt_bboxes=box, gt_keypoints=np.array([points], np.float32))

    def get_data_info(self, idx):
        """The composed sample ``idx`` of the dataset (after ``indices``),
        with the fields of the module docstring."""
        info = super().get_data_info(idx)
        sample = self.compose(info['src_index'])
        info['img'] = sample['img']
        if self.with_bbox:
            info['gt_bboxes'] = sample['gt_bboxes']
        if self.with_parts:
            info['gt_keypoints'] = sample['gt_keypoints']
        return info

    def extra_repr(self):
        return super().extra_repr() + [
            f'Canvas: \t{self.canvas_size}x{self.canvas_size}, object scale '
            f'{self.scale_range}, {self.num_distractors} fragments of '
            f'{self.distractor_size}x{self.distractor_size}, seed '
            f'{self.seed}'
        ]
