"""Data preprocessor for multi-input samples: the image and its part/patch
crops.

Part-based methods (FVE's part stream, Focus-Longer's local stream) get, per
image, K crops cut by the pipeline (``PartCrops``) and packed by
``PackFGInputs`` into the data sample (the field names are those of
:mod:`mmfg.structures.part_keys`): ``part_imgs`` (K, C, h, w) uint8 with
``part_valid`` (K,) bool and ``part_boxes`` (K, 4). The model must see the
crops exactly as it sees the image: on its device, as float, channel order
and normalisation of the image. This preprocessor does that once per batch
and hands the crops to the model as batch tensors, so no model normalises
or stacks crops itself.
"""
from typing import List, Optional, Tuple

import torch
from mmpretrain.models import ClsDataPreprocessor

from mmfg.registry import MODELS
from mmfg.structures import PART_IMGS, PART_VALID, PARTS
from mmfg.utils import ConfigError


@MODELS.register_module()
class FGDataPreprocessor(ClsDataPreprocessor):
    """:class:`mmpretrain.models.ClsDataPreprocessor` that also prepares the
    part/patch crops of a batch.

    Images: as ``ClsDataPreprocessor`` (to the device, BGR->RGB if
    ``to_rgb``, float, ``(x - mean) / std``, pad to ``pad_size_divisor`` and
    stack; batch augments).

    Crops, when the data samples carry them: the samples' ``part_imgs``
    (K, C, h, w) uint8 are stacked into one (B, K, C, h, w) tensor, which is
    moved to the device and converted ONCE, the image's way (channel flip,
    float, ``(x - mean) / std``); the samples' ``part_valid`` (K,) are
    stacked into (B, K) bool (all True for samples without one). Both
    fields are taken out of the data samples (no second copy); the other
    fields (boxes, points) stay there and are moved to the device.

    Returns:
        dict: ``inputs`` (B, C, H, W), ``data_samples`` and, only when the
        samples carry crops, ``parts`` (B, K, C, h, w) float32 and
        ``part_valid`` (B, K) bool: MMEngine's ``BaseModel`` calls
        ``model(**data, mode=...)``, so a part model receives them as the
        keyword arguments ``parts`` and ``part_valid``; a plain classifier
        never sees them.

    Args:
        **kwargs: see ``ClsDataPreprocessor`` (``mean``, ``std``,
            ``pad_size_divisor``, ``pad_value``, ``to_rgb``, ``to_onehot``,
            ``num_classes``, ``batch_augments``).

    Batch augments (Mixup, CutMix) mix images across the batch with a
    permutation the crops cannot follow: combining them with crops raises a
    :class:`~mmfg.utils.ConfigError` instead of training on mismatched
    pairs.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples', None)
        has_parts = bool(samples) and any(s is not None and PART_IMGS in s
                                          for s in samples)
        if has_parts and training and self.batch_augments is not None:
            raise ConfigError(
                'FGDataPreprocessor: batch augments (Mixup/CutMix) mix images '
                f'across the batch but cannot mix their "{PART_IMGS}" '
                'crops: remove model.data_preprocessor.batch_augments for '
                'part-based models')
        crops = _stack_crops(samples) if has_parts else None
        out = super().forward(data, training)
        samples = out['data_samples']
        if samples is not None:
            if has_parts:
                samples = [_without_crops(s) for s in samples]
            out['data_samples'] = [self.cast_data(s) for s in samples]
        if has_parts:
            out[PARTS] = self.normalize_parts(crops[0])
            out[PART_VALID] = self.cast_data(crops[1])
        return out

    def normalize_parts(self, crops: torch.Tensor) -> torch.Tensor:
        """``(B, K, C, h, w)`` any dtype -> on the device, float,
        normalised as the images (channel flip if ``to_rgb``, then
        ``(x - mean) / std``)."""
        crops = self.cast_data(crops)
        if self.to_rgb and crops.size(2) == 3:
            crops = crops.flip(2)
        crops = crops.float()
        if self._enable_normalize:
            if self.mean.size(0) not in (1, crops.size(2)):
                raise ConfigError(
                    f'FGDataPreprocessor: mean/std have {self.mean.size(0)} '
                    f'channels but the crops have {crops.size(2)}')
            crops = (crops - self.mean) / self.std
        return crops


def _stack_crops(samples: List) -> Tuple[torch.Tensor, torch.Tensor]:
    """The samples' crops ``(B, K, C, h, w)`` (dtype unchanged) and validity
    ``(B, K)`` bool, checked."""
    if any(s is None or PART_IMGS not in s for s in samples):
        raise ConfigError(
            f'FGDataPreprocessor: some data samples of the batch have part '
            f'crops ("{PART_IMGS}") and some have none: every sample needs '
            'them (PartCrops and PackFGInputs in every pipeline)')
    crops = [s.get(PART_IMGS) for s in samples]
    for c in crops:
        if c.dim() != 4:
            raise ConfigError(
                f'FGDataPreprocessor: "{PART_IMGS}" must be (K, C, h, w) '
                f'per sample, got shape {tuple(c.shape)}; pack the crops '
                'with PackFGInputs')
    shapes = {tuple(c.shape) for c in crops}
    if len(shapes) != 1:
        raise ConfigError(
            f'part crops of one batch must have one shape (K, C, h, w), got '
            f'{sorted(shapes)}: give PartCrops a fixed num_parts and '
            'crop_size')
    k = crops[0].size(0)
    valid = []
    for s in samples:
        v = s.get(PART_VALID) if PART_VALID in s else torch.ones(
            k, dtype=torch.bool)
        if tuple(v.shape) != (k, ):
            raise ConfigError(
                f'FGDataPreprocessor: "{PART_VALID}" must be ({k},) like '
                f'the {k} crops, got {tuple(v.shape)}')
        valid.append(v.bool().cpu())
    return torch.stack(crops), torch.stack(valid)


def _without_crops(sample):
    """A shallow copy of ``sample`` without the crops and their validity
    (the caller's sample is left as it was)."""
    sample = sample.new()
    for key in (PART_IMGS, PART_VALID):
        if key in sample:
            delattr(sample, key)
    return sample


def check_parts(parts: Optional[torch.Tensor],
                part_valid: Optional[torch.Tensor],
                num_images: int,
                name: str = 'the model') -> Tuple[torch.Tensor, torch.Tensor]:
    """Check the crops a part model gets from the data preprocessor.

    Args:
        parts (Tensor | None): ``(B, K, C, h, w)`` float.
        part_valid (Tensor | None): ``(B, K)``; None = all valid.
        num_images (int): ``B`` of the images.
        name (str): the model, for the messages.

    Returns:
        tuple: ``parts`` and ``part_valid`` (B, K) bool on its device.
    """
    if parts is None:
        raise ConfigError(
            f'{name} needs part crops ("{PARTS}" from the data '
            "preprocessor): add PartCrops and PackFGInputs to the pipeline "
            "(or use model.data_preprocessor=dict(type="
            "'RoIAlignFGDataPreprocessor', ...))")
    if parts.dim() != 5:
        raise ConfigError(
            f'{name}: crops must be a batch (B, K, C, h, w), got '
            f'{tuple(parts.shape)}')
    if parts.dtype == torch.uint8:
        raise ConfigError(
            f'{name}: the part crops are still uint8: use '
            "model.data_preprocessor=dict(type='FGDataPreprocessor', ...)")
    if len(parts) != num_images:
        raise ConfigError(f'{name}: {num_images} images but {len(parts)} '
                          'sets of crops')
    if part_valid is None:
        part_valid = parts.new_ones(parts.shape[:2], dtype=torch.bool)
    if tuple(part_valid.shape) != tuple(parts.shape[:2]):
        raise ConfigError(f'{name}: part_valid must be (B, K) = '
                          f'{tuple(parts.shape[:2])}, got '
                          f'{tuple(part_valid.shape)}')
    return parts, part_valid.to(device=parts.device, dtype=torch.bool)
