"""Crops driven by annotations: the object box (RACNN crops Cars and Birds
to their boxes, Cai et al. Sec. 4.1) and one crop per part or proposal for
part-based, multi-input models (FVE, Focus-Longer)."""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmfg.registry import TRANSFORMS
from mmfg.structures import PART_BOXES, PART_IMGS, PART_VALID
from mmfg.utils import ConfigError
from .coords import apply_affine


def _require(results, key, hint):
    if results.get(key) is None:
        raise ConfigError(f'{key} is missing for {results.get("img_path")}: '
                          f'{hint}')
    return results[key]


@TRANSFORMS.register_module()
class CropToBBox(BaseTransform):
    """Crop the image to its ground-truth object: the box enclosing all of
    ``gt_bboxes`` (the one box of most datasets, all dogs of Stanford
    Dogs).

    Args:
        margin (float): enlarge the box by this fraction of its width/height
            on every side before cropping (clipped to the image).
            Defaults to 0.

    Required keys: ``img``, ``gt_bboxes`` (M, 4). Modified keys: ``img``,
    ``img_shape`` and the coordinate fields (``gt_bboxes`` become the boxes
    in the crop: the whole crop for one box and ``margin=0``).
    """

    def __init__(self, margin: float = 0.) -> None:
        if margin < 0:
            raise ValueError(f'margin must be >= 0, got {margin}')
        self.margin = margin

    def transform(self, results: dict) -> dict:
        boxes = np.asarray(
            _require(
                results, 'gt_bboxes',
                'give the dataset with_bbox=True, or use a dataset that has '
                'boxes (CUB, StanfordCars, ...)'),
            dtype=np.float64)
        if boxes.ndim != 2 or boxes.shape[-1] != 4 or not len(boxes):
            raise ConfigError(f'gt_bboxes of {results.get("img_path")} must '
                              f'be (M >= 1, 4), got shape {boxes.shape}')
        box = [*boxes[:, :2].min(0), *boxes[:, 2:].max(0)]
        img = results['img']
        h, w = img.shape[:2]
        x1, y1, x2, y2 = box
        mx, my = self.margin * (x2 - x1), self.margin * (y2 - y1)
        x1, y1 = max(0, int(np.floor(x1 - mx))), max(0, int(np.floor(y1 - my)))
        x2, y2 = min(w, int(np.ceil(x2 + mx))), min(h, int(np.ceil(y2 + my)))
        if x2 <= x1 or y2 <= y1:
            raise ConfigError(f'gt_bboxes {boxes.tolist()} of '
                              f'{results.get("img_path")} enclose an empty '
                              f'box inside the {w}x{h} image')
        results['img'] = img[y1:y2, x1:x2]
        results['img_shape'] = results['img'].shape[:2]
        apply_affine(results, 1., -float(x1), 1., -float(y1))
        return results

    def __repr__(self):
        return f'{type(self).__name__}(margin={self.margin})'


@TRANSFORMS.register_module()
class PartCrops(BaseTransform):
    """Cut ``num_parts`` crops from the current image, one per part (the
    points ``gt_keypoints`` of the object, optionally grouped) or per
    proposal box, each resized to ``crop_size``.

    Args:
        num_parts (int): K, the number of crops made for every image. Missing
            parts (invisible, or fewer proposals than K) give an all-zero
            crop with ``part_valid = False``.
        crop_size (int | tuple[int, int]): (w, h) of every crop.
        source (str): 'gt_keypoints', 'proposals' (highest score first) or
            'gt_bboxes' (the ground-truth object boxes in their order: an
            oracle stand-in for patch proposals, e.g. Focus-Longer on
            Cluttered Fashion-MNIST).
        part_size (float): for point parts, the side of the square box around
            each point, as a fraction of sqrt(image h * w). Defaults to 0.25.
        groups (list[list[int]], optional): for 'gt_keypoints', merge these
            part indices into one crop each (the box covering the squares of
            the group's visible parts); then K must equal len(groups).
        part_order (str): 'ordered' (default: the parts' / proposals' own
            order) or 'shuffled': the K crop slots (missing ones included)
            permuted by one fixed permutation per image, drawn from
            ``numpy.random.default_rng([shuffle_seed, sample_idx])`` (the
            same in every epoch and run; FVE paper Table 1 "shuffled GT
            parts").
        shuffle_seed (int): seed of the 'shuffled' permutations.

    Required keys: ``img`` and ``gt_keypoints`` ((1, P, 3): the parts of
    the image's one object; instance 0 is used), ``proposals`` or
    ``gt_bboxes`` (M, 4). Added
    keys: ``part_imgs`` (K, h, w, C) uint8, ``part_boxes`` (K, 4) float32 in
    current image pixels (moved by later mmfg geometric transforms),
    ``part_valid`` (K,) bool.
    """

    def __init__(self,
                 num_parts: int,
                 crop_size: Union[int, Tuple[int, int]],
                 source: str = 'gt_keypoints',
                 part_size: float = 0.25,
                 groups: Optional[Sequence[Sequence[int]]] = None,
                 part_order: str = 'ordered',
                 shuffle_seed: int = 0) -> None:
        if source not in ('gt_keypoints', 'proposals', 'gt_bboxes'):
            raise ValueError("source must be 'gt_keypoints', 'proposals' or "
                             f"'gt_bboxes', got {source!r}")
        if groups is not None and len(groups) != num_parts:
            raise ValueError(f'{len(groups)} groups but num_parts='
                             f'{num_parts}')
        if part_order not in ('ordered', 'shuffled'):
            raise ValueError("part_order must be 'ordered' or 'shuffled', "
                             f'got {part_order!r}')
        self.part_order = part_order
        self.shuffle_seed = shuffle_seed
        self.num_parts = num_parts
        self.crop_size = ((crop_size, crop_size)
                          if isinstance(crop_size, int) else tuple(crop_size))
        self.source = source
        self.part_size = part_size
        self.groups = groups

    def _boxes_from_points(self, parts, h, w):
        half = self.part_size * np.sqrt(h * w) / 2
        squares = np.stack([
            parts[:, 0] - half, parts[:, 1] - half, parts[:, 0] + half,
            parts[:, 1] + half
        ], 1)
        visible = parts[:, 2] > 0
        groups = self.groups or [[i] for i in range(len(parts))]
        boxes = np.zeros((len(groups), 4), np.float32)
        valid = np.zeros(len(groups), bool)
        for g, members in enumerate(groups):
            members = [m for m in members if visible[m]]
            if members:
                sq = squares[members]
                boxes[g] = (sq[:, 0].min(), sq[:, 1].min(), sq[:, 2].max(),
                            sq[:, 3].max())
                valid[g] = True
        return boxes, valid

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        if self.source == 'gt_keypoints':
            points = np.asarray(
                _require(results, 'gt_keypoints',
                         'give the dataset with_parts=True'))
            if points.ndim != 3 or points.shape[-1] < 3 or not len(points):
                raise ConfigError(
                    f'gt_keypoints of {results.get("img_path")} must be '
                    f'(N >= 1, P, 3) [x, y, visible], got {points.shape}')
            boxes, valid = self._boxes_from_points(points[0], h, w)
        elif self.source == 'gt_bboxes':
            boxes = np.asarray(
                _require(results, 'gt_bboxes',
                         'give the dataset with_bbox=True'),
                dtype=np.float32)
            if boxes.ndim != 2 or boxes.shape[-1] != 4:
                raise ConfigError(
                    f'gt_bboxes of {results.get("img_path")} must be '
                    f'(M, 4) [x1, y1, x2, y2], got {boxes.shape}')
            boxes = boxes.copy()
            valid = np.ones(len(boxes), bool)
        else:
            props = np.asarray(
                _require(
                    results, 'proposals',
                    'give the dataset proposal_file=... (see docs/datasets.md)'
                ))
            order = np.argsort(-props[:, 4], kind='stable') \
                if props.shape[1] > 4 else np.arange(len(props))
            boxes = props[order, :4].astype(np.float32)
            valid = np.ones(len(boxes), bool)
        k = self.num_parts
        boxes, valid = boxes[:k], valid[:k]
        pad = k - len(boxes)
        boxes = np.concatenate([boxes, np.zeros((pad, 4), np.float32)])
        valid = np.concatenate([valid, np.zeros(pad, bool)])
        if self.part_order == 'shuffled':
            idx = results.get('sample_idx')
            if idx is None:
                raise ConfigError(
                    "PartCrops(part_order='shuffled') needs the sample's "
                    '`sample_idx` (set by MMEngine datasets) for its fixed '
                    f'permutation; missing for {results.get("img_path")}')
            perm = np.random.default_rng([self.shuffle_seed,
                                          int(idx)]).permutation(k)
            boxes, valid = boxes[perm], valid[perm]
        boxes[:, 0:4:2] = np.clip(boxes[:, 0:4:2], 0, w)
        boxes[:, 1:4:2] = np.clip(boxes[:, 1:4:2], 0, h)
        cw, ch = self.crop_size
        shape = (k, ch, cw) + img.shape[2:]
        crops = np.zeros(shape, img.dtype)
        for i, (box, ok) in enumerate(zip(boxes, valid)):
            x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
            x2, y2 = int(np.ceil(box[2])), int(np.ceil(box[3]))
            if not ok or x2 <= x1 or y2 <= y1:
                valid[i] = False
                continue
            crops[i] = mmcv.imresize(img[y1:y2, x1:x2], (cw, ch))
        results[PART_IMGS] = crops
        results[PART_BOXES] = boxes
        results[PART_VALID] = valid
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(num_parts={self.num_parts}, '
                f'crop_size={self.crop_size}, source={self.source!r}, '
                f'part_size={self.part_size}, groups={self.groups}, '
                f'part_order={self.part_order!r})')
