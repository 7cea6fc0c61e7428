"""Data preprocessor for multi-input samples: the image and its part/patch
crops.

Part-based methods (FVE's part stream, Focus-Longer's local stream) get, per
image, K crops cut by the pipeline (``PartCrops``) and packed by
``PackFGInputs`` into the data sample as ``part_imgs`` (K, C, h, w) uint8
with ``part_valid`` (K,) bool and ``part_boxes`` (K, 4). The model must see
them exactly as it sees the image: on its device, as float, channel order
and normalisation of the image. This preprocessor does that, so no model
normalises crops itself.
"""
from typing import List, Optional, Tuple

import torch
from mmpretrain.models import ClsDataPreprocessor

from mmfg.registry import MODELS
from mmfg.utils import ConfigError

PART_KEY = 'part_imgs'


@MODELS.register_module()
class FGDataPreprocessor(ClsDataPreprocessor):
    """:class:`mmpretrain.models.ClsDataPreprocessor` that also prepares the
    part/patch crops of each sample.

    Images: as ``ClsDataPreprocessor`` (to the device, BGR->RGB if
    ``to_rgb``, float, ``(x - mean) / std``, pad to ``pad_size_divisor`` and
    stack; batch augments).

    Crops: each data sample's ``part_imgs`` (K, C, h, w) uint8 is moved to
    the device and converted the same way (float, channel flip, mean/std) and
    written back to the sample as float32; models stack them with
    :func:`stack_part_inputs` into (B, K, C, h, w). The other fields of the
    samples (boxes, points, ``part_valid``) are moved to the device too.

    Args:
        parts_key (str): the data-sample field with the crops.
        **kwargs: see ``ClsDataPreprocessor`` (``mean``, ``std``,
            ``pad_size_divisor``, ``pad_value``, ``to_rgb``, ``to_onehot``,
            ``num_classes``, ``batch_augments``).

    Batch augments (Mixup, CutMix) mix images across the batch with a
    permutation the crops cannot follow: combining them with crops raises a
    :class:`~mmfg.utils.ConfigError` instead of training on mismatched
    pairs.
    """

    def __init__(self, parts_key: str = PART_KEY, **kwargs):
        super().__init__(**kwargs)
        self.parts_key = parts_key

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples', None)
        has_parts = bool(samples) and any(s is not None and self.parts_key in s
                                          for s in samples)
        if has_parts and training and self.batch_augments is not None:
            raise ConfigError(
                'FGDataPreprocessor: batch augments (Mixup/CutMix) mix images '
                f'across the batch but cannot mix their "{self.parts_key}" '
                'crops: remove model.data_preprocessor.batch_augments for '
                'part-based models')
        out = super().forward(data, training)
        samples = out['data_samples']
        if samples is not None:
            samples = [self.cast_data(s) for s in samples]
            out['data_samples'] = samples
        if has_parts:
            for sample in samples:
                if self.parts_key in sample:
                    sample.set_field(
                        self._normalize(sample.get(self.parts_key)),
                        self.parts_key)
        return out

    def _normalize(self, crops: torch.Tensor) -> torch.Tensor:
        """(K, C, h, w) any dtype -> (K, C, h, w) float, normalised."""
        crops = self.cast_data(crops)
        if crops.dim() != 4:
            raise ConfigError(
                f'FGDataPreprocessor: "{self.parts_key}" must be (K, C, h, w) '
                f'per sample, got shape {tuple(crops.shape)}; pack the crops '
                'with PackFGInputs')
        if self.to_rgb and crops.size(1) == 3:
            crops = crops.flip(1)
        crops = crops.float()
        if self._enable_normalize:
            if self.mean.size(0) not in (1, crops.size(1)):
                raise ConfigError(
                    f'FGDataPreprocessor: mean/std have {self.mean.size(0)} '
                    f'channels but the crops have {crops.size(1)}')
            crops = (crops - self.mean) / self.std
        return crops


def stack_part_inputs(
    data_samples: List,
    parts_key: str = PART_KEY,
    valid_key: str = 'part_valid'
) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Stack the (preprocessed) crops of a batch.

    Args:
        data_samples (list[DataSample]): each with ``part_imgs``
            (K, C, h, w) float (after :class:`FGDataPreprocessor`) and
            optionally ``part_valid`` (K,).

    Returns:
        tuple: crops (B, K, C, h, w) and validity (B, K) bool (all True when
        the samples have no ``part_valid``).
    """
    if not data_samples or any(parts_key not in s for s in data_samples):
        raise ConfigError(
            f'the model needs part crops ("{parts_key}") in every data '
            'sample: add PartCrops and PackFGInputs to the pipeline')
    crops = [s.get(parts_key) for s in data_samples]
    shapes = {tuple(c.shape) for c in crops}
    if len(shapes) != 1:
        raise ConfigError(
            f'part crops of one batch must have one shape (K, C, h, w), got '
            f'{sorted(shapes)}: give PartCrops a fixed num_parts and '
            'crop_size')
    if crops[0].dtype == torch.uint8:
        raise ConfigError(
            'part crops are still uint8: use '
            "model.data_preprocessor=dict(type='FGDataPreprocessor', ...)")
    batch = torch.stack(crops)
    valid = [
        s.get(valid_key) if valid_key in s else torch.ones(
            batch.size(1), dtype=torch.bool) for s in data_samples
    ]
    return batch, torch.stack(valid).to(batch.device).bool()
