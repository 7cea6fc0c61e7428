"""Packing for part-based, multi-input models."""
from typing import Sequence

import numpy as np
import torch
from mmpretrain.datasets.transforms import PackInputs

from mmfg.registry import TRANSFORMS
from mmfg.structures import PART_BOXES, PART_IMGS, PART_VALID

FG_KEYS = ('gt_bboxes', 'gt_keypoints', 'proposals', PART_IMGS, PART_BOXES,
           PART_VALID)


@TRANSFORMS.register_module()
class PackFGInputs(PackInputs):
    """:class:`mmpretrain.datasets.transforms.PackInputs` that also packs the
    fine-grained fields present in the results into the data sample, as
    tensors:

    * ``gt_bboxes`` (M, 4), ``gt_keypoints`` (1, P, 3) ``[x, y, visible]``,
      ``proposals`` (N, 5), ``part_boxes`` (K, 4): float32, in pixels of
      the packed image (the fields of :mod:`.coords`);
    * ``part_imgs`` (K, C, h, w) uint8 (like ``inputs``; the data
      preprocessor stacks and normalises them with its mean/std);
    * ``part_valid`` (K,) bool.

    Args:
        algorithm_keys (Sequence[str]): the fields to pack; defaults to all
            of the above (absent ones are skipped).
        **kwargs: see ``PackInputs``.
    """

    def __init__(self,
                 algorithm_keys: Sequence[str] = FG_KEYS,
                 **kwargs) -> None:
        super().__init__(algorithm_keys=(), **kwargs)
        self.fg_keys = tuple(algorithm_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        sample = packed['data_samples']
        for key in self.fg_keys:
            if results.get(key) is None:
                continue
            value = np.asarray(results[key])
            if key == PART_IMGS:
                if value.ndim == 3:  # (K, h, w) grey crops
                    value = value[..., None]
                tensor = torch.from_numpy(
                    np.ascontiguousarray(value.transpose(0, 3, 1, 2)))
            elif key == PART_VALID:
                tensor = torch.from_numpy(value.astype(bool))
            else:
                tensor = torch.from_numpy(value.astype(np.float32))
            sample.set_field(tensor, key)
        return packed

    def __repr__(self):
        return super().__repr__()[:-1] + f', fg_keys={self.fg_keys})'
