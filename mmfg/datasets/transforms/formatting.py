"""Packing for part-based, multi-input models."""
from typing import Sequence

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.structures import BaseDataElement
from mmpretrain.datasets.transforms import PackInputs

from mmfg.registry import FUNCTIONS, TRANSFORMS
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


@FUNCTIONS.register_module()
def batch_collate(data_batch: Sequence) -> dict:
    """MMEngine's ``pseudo_collate`` that also batches the tensors in the
    DataLoader worker, so that a batch crosses to the main process in a few
    shared-memory blocks instead of one per tensor per sample:

    * ``inputs``: B images of one shape and dtype -> one ``(B, C, H, W)``
      tensor (mixed shapes stay a list); the data preprocessors convert
      either form to the same values (``ClsDataPreprocessor``'s tensor and
      list branches);
    * ``data_samples``: every tensor field of every sample (``gt_label``,
      ``part_imgs``, ``part_valid``, boxes, ...) becomes a view of one flat
      buffer per dtype (same values, shapes and dtypes).

    Use as ``train_dataloader.collate_fn=dict(type='mmfg.batch_collate')``.
    """
    out = pseudo_collate(data_batch)
    if not isinstance(out, dict):
        return out
    inputs = out.get('inputs')
    if isinstance(inputs, (list, tuple)) and inputs and all(
            torch.is_tensor(x)
            for x in inputs) and len({(tuple(x.shape), x.dtype)
                                      for x in inputs}) == 1:
        out['inputs'] = torch.stack(list(inputs))
    samples = out.get('data_samples')
    if isinstance(samples, (list, tuple)) and samples and all(
            isinstance(s, BaseDataElement) for s in samples):
        groups = {}
        for s in samples:
            for key, value in s.items():
                if torch.is_tensor(value) and value.device.type == 'cpu':
                    groups.setdefault(value.dtype, []).append((s, key, value))
        for items in groups.values():
            flat = torch.cat([v.reshape(-1) for _, _, v in items])
            sizes = [v.numel() for _, _, v in items]
            for (s, key, v), part in zip(items, flat.split(sizes)):
                s.set_field(part.view(v.shape), key)
    return out
