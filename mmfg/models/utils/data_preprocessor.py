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
from mmengine.structures import BaseDataElement
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
        crops = _stack_crops(samples, self._pin) if has_parts else None
        data = dict(data)
        inputs = data.get('inputs')
        if _same_shape_list(inputs):
            # one host stack + one copy; mmpretrain's tensor branch then
            # converts the batch at once (the per-image branch gives the
            # same values, image by image)
            data['inputs'] = self.to_device(_stack(inputs, self._pin))
        if has_parts:
            parts = self.to_device(crops[0])
            valid = self.to_device(crops[1])
            samples = [_without_crops(s) for s in samples]
        if samples:
            data['data_samples'] = self.cast_samples(samples)
        out = super().forward(data, training)
        if has_parts:
            out[PARTS] = self.normalize_parts(parts)
            out[PART_VALID] = valid
        return out

    @property
    def _pin(self) -> bool:
        return self.device.type == 'cuda' and torch.cuda.is_available()

    def to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        """A host tensor to the device in ONE copy: pinned and
        ``non_blocking`` when the device is a GPU (the copy overlaps with
        the host work that follows; later kernels on the stream wait for
        it), a no-op on the CPU."""
        if tensor.device == self.device:
            return tensor
        if self._pin and tensor.device.type == 'cpu':
            if not tensor.is_pinned():
                tensor = tensor.pin_memory()
            return tensor.to(self.device, non_blocking=True)
        return tensor.to(self.device, non_blocking=self._non_blocking)

    def cast_samples(self, samples: List) -> List:
        """The data samples on the device with one copy per dtype: every
        tensor field of every sample (labels, boxes, points) is flattened
        into one host buffer per dtype, moved with :meth:`to_device` and
        split back into views of the original shapes. Samples are shallow
        copies (the caller's stay on the host); other fields are moved one
        by one (``.to``) as ``cast_data`` does."""
        if self.device.type == 'cpu' or any(not isinstance(s, BaseDataElement)
                                            for s in samples):
            return self.cast_data(samples)
        out = [s.new() for s in samples]
        groups = {}
        for s in out:
            for key, value in s.items():
                if torch.is_tensor(value) and value.device.type == 'cpu':
                    groups.setdefault(value.dtype, []).append((s, key, value))
                elif hasattr(value, 'to'):
                    s.set_field(
                        value.to(self.device, non_blocking=self._non_blocking),
                        key)
        for dtype, items in groups.items():
            flat = torch.cat([v.reshape(-1) for _, _, v in items])
            flat = self.to_device(flat)
            sizes = [v.numel() for _, _, v in items]
            for (s, key, v), part in zip(items, flat.split(sizes)):
                s.set_field(part.view(v.shape), key)
        return out

    def normalize_parts(self, crops: torch.Tensor) -> torch.Tensor:
        """``(B, K, C, h, w)`` any dtype -> on the device, float,
        normalised as the images (channel flip if ``to_rgb``, then
        ``(x - mean) / std``)."""
        crops = self.to_device(crops)
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


def _stack_crops(samples: List,
                 pin: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
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
    return _stack(crops, pin), _stack(valid, pin)


def _same_shape_list(tensors) -> bool:
    return isinstance(tensors, (list, tuple)) and len(tensors) > 0 and all(
        torch.is_tensor(t) and t.device.type == 'cpu'
        for t in tensors) and (len({(tuple(t.shape), t.dtype)
                                    for t in tensors}) == 1)


def _stack(tensors: List[torch.Tensor], pin: bool = False) -> torch.Tensor:
    """``torch.stack`` on the host, into pinned memory if ``pin`` (the
    following copy to the GPU is then asynchronous and needs no staging
    copy)."""
    if pin and all(t.device.type == 'cpu' for t in tensors):
        first = tensors[0]
        out = torch.empty((len(tensors), *first.shape),
                          dtype=first.dtype,
                          pin_memory=True)
        return torch.stack(tensors, out=out)
    return torch.stack(tensors)


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
