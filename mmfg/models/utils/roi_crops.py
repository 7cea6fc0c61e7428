"""Batch part cropping with ``mmcv.ops.RoIAlign``: the part/patch crops of a
whole batch in one op, an alternative to cutting them per image in the
pipeline (``PartCrops``).

``RoIAlign(aligned=True, sampling_ratio=1)`` samples output cell ``(i, j)``
of a box ``x1, y1, x2, y2`` (pixel ``k`` spans ``[k, k + 1)``) at the ONE
point ``(x1 + (j + 0.5) w / W_out - 0.5, y1 + (i + 0.5) h / H_out - 0.5)`` in
pixel-centre coordinates, bilinearly: exactly what a half-pixel bilinear
resize (OpenCV ``INTER_LINEAR``, ``mmcv.imresize``) of the crop
``img[y1:y2, x1:x2]`` computes for integer boxes, except on the crop's
border, where RoIAlign reads the image's true neighbours and the resize of
a cut-out crop repeats its edge: RoIAlign equals a bilinear crop only
with aligned=True, sampling_ratio=1. Other settings
average several points per bin (an area-like resize) or shift by half a
pixel.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmfg.registry import MODELS
from mmfg.structures import PART_BOXES, PART_VALID, PARTS
from mmfg.utils import ConfigError
from .data_preprocessor import FGDataPreprocessor

BOX_SOURCES = ('proposals', 'gt_bboxes', PART_BOXES)


@MODELS.register_module()
class RoIAlignCrops(nn.Module):
    """Crops of boxes from a batch of images, resized to ``crop_size``.

    Args:
        crop_size (int | tuple[int, int]): output ``(h, w)``.
        spatial_scale (float): box coordinates times this = pixels of the
            images (1 when the boxes are in image pixels).
        sampling_ratio (int): points per bin side (1: a bilinear resize).
        aligned (bool): half-pixel alignment (True: a bilinear resize).

    Forward: ``images (B, C, H, W)`` float and ``boxes``, a ``(B, K, 4)``
    tensor or a list of B ``(K_b, 4)`` tensors ``x1, y1, x2, y2`` -> crops
    ``(B, K, C, h, w)`` (list input: K = max K_b, missing crops zero) and
    ``valid (B, K)`` bool (False for padding and empty boxes).
    """

    def __init__(self,
                 crop_size: Union[int, Sequence[int]],
                 spatial_scale: float = 1.,
                 sampling_ratio: int = 1,
                 aligned: bool = True):
        super().__init__()
        from mmcv.ops import RoIAlign
        size = (crop_size,
                crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        self.crop_size = size
        self.roi_align = RoIAlign(
            size,
            spatial_scale=spatial_scale,
            sampling_ratio=sampling_ratio,
            aligned=aligned)

    def forward(
        self, images: torch.Tensor, boxes: Union[torch.Tensor,
                                                 List[torch.Tensor]]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if images.dim() != 4:
            raise ConfigError('RoIAlignCrops: images must be (B, C, H, W), '
                              f'got {tuple(images.shape)}')
        if len(boxes) != len(images):
            raise ConfigError(f'RoIAlignCrops: {len(boxes)} box sets for '
                              f'{len(images)} images')
        B, C = images.shape[:2]
        h, w = self.crop_size
        if not torch.is_tensor(boxes):
            boxes = _pad_boxes(boxes, images)
        boxes = boxes.to(device=images.device, dtype=images.dtype)
        if boxes.dim() != 3 or boxes.shape[-1] != 4:
            raise ConfigError('RoIAlignCrops: boxes must be (B, K, 4), got '
                              f'{tuple(boxes.shape)}')
        K = boxes.shape[1]
        # (B, K) validity and the (B * K, 5) rois ``b, x1, y1, x2, y2`` of
        # every slot in one op; invalid slots are cut too (cheap, no host
        # sync to drop them) and zeroed
        valid = (boxes[..., 2] > boxes[..., 0]) & (
            boxes[..., 3] > boxes[..., 1])
        idx = torch.arange(
            B, device=images.device, dtype=images.dtype).view(B, 1, 1)
        rois = torch.cat([idx.expand(B, K, 1), boxes], dim=2).reshape(-1, 5)
        if rois.numel() == 0:
            return images.new_zeros((B, K, C, h, w)), valid
        # the mmcv op reads raw memory: a permuted view gives garbage
        images = images.contiguous()
        if images.device.type == 'cpu' and not (torch.jit.is_tracing() or
                                                torch.compiler.is_compiling()):
            # nothing to wait for on the CPU: cut the valid slots only
            keep = valid.reshape(-1).nonzero().flatten()
            out = images.new_zeros((B * K, C, h, w))
            if len(keep):
                out = out.index_copy(0, keep,
                                     self.roi_align(images, rois[keep]))
            return out.view(B, K, C, h, w), valid
        # on a GPU: every slot (no host sync to find the valid ones), the
        # empty ones zeroed
        out = self.roi_align(images, rois).view(B, K, C, h, w)
        crops = torch.where(valid.view(B, K, 1, 1, 1), out, out.new_zeros(()))
        return crops, valid


def _pad_boxes(boxes: List[torch.Tensor],
               images: torch.Tensor) -> torch.Tensor:
    """B box sets ``(K_b, 4)`` -> ``(B, max K_b, 4)``, padded with empty
    (zero) boxes."""
    boxes = [
        torch.as_tensor(b, dtype=images.dtype,
                        device=images.device).reshape(-1, 4) for b in boxes
    ]
    K = max([len(b) for b in boxes] + [0])
    out = images.new_zeros((len(boxes), K, 4))
    for i, b in enumerate(boxes):
        out[i, :len(b)] = b
    return out


@MODELS.register_module()
class RoIAlignFGDataPreprocessor(FGDataPreprocessor):
    """:class:`FGDataPreprocessor` that cuts the part/patch crops itself,
    with :class:`RoIAlignCrops` on the normalised batch, instead of the
    pipeline's ``PartCrops``: the pipeline packs only the boxes
    (``PackFGInputs`` packs ``proposals`` / ``gt_bboxes``); the crops of the
    whole batch are returned as batch tensors, as
    :class:`FGDataPreprocessor` returns pipeline crops: ``parts``
    (B, K, C, h, w) float (cut from the normalised images, so normalised
    too) and ``part_valid`` (B, K) bool, the keyword arguments of a
    two-stream model's ``forward``.

    Args:
        num_parts (int): K crops per image (highest-scored proposals first;
            fewer boxes -> zero crops with ``part_valid`` False).
        crop_size (int | tuple[int, int]): ``(h, w)`` of the crops.
        box_source (str): the data-sample field with the boxes, in pixels
            of the packed image: 'proposals' ``(N, 5)``, 'gt_bboxes' or
            'part_boxes' ``(N, 4)``.
        image_size (tuple[int, int], optional): after cropping, resize the
            images to this ``(h, w)`` (bilinear, half-pixel): crops from
            the full-resolution image, a smaller global input (e.g. the
            112 px canvas -> 56 px global, 28 px patches).
        **kwargs: see :class:`FGDataPreprocessor`.
    """

    def __init__(self,
                 num_parts: int,
                 crop_size: Union[int, Sequence[int]],
                 box_source: str = 'proposals',
                 image_size: Optional[Sequence[int]] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if box_source not in BOX_SOURCES:
            raise ConfigError(f'box_source must be one of {BOX_SOURCES}, '
                              f'got {box_source!r}')
        self.num_parts = num_parts
        self.box_source = box_source
        self.image_size = None if image_size is None else tuple(image_size)
        self.cropper = RoIAlignCrops(crop_size)

    def _boxes(self, sample):
        if self.box_source not in sample:
            raise ConfigError(
                f'RoIAlignFGDataPreprocessor: the data samples have no '
                f'"{self.box_source}"; give the dataset a proposal_file '
                '(proposals) or with_bbox=True (gt_bboxes), and PackFGInputs')
        boxes = sample.get(self.box_source).float().reshape(
            -1, 5 if self.box_source == 'proposals' else 4)
        if self.box_source == 'proposals':
            order = torch.argsort(-boxes[:, 4], stable=True)
            boxes = boxes[order, :4]
        boxes = boxes[:self.num_parts]
        pad = boxes.new_zeros((self.num_parts - len(boxes), 4))
        return torch.cat([boxes, pad])

    def forward(self, data: dict, training: bool = False) -> dict:
        host = data.get('data_samples')
        if host and all(s is not None and self.box_source in s for s in host):
            # the (B, K, 4) boxes picked on the host, moved in one copy
            host = self.to_device(torch.stack([self._boxes(s) for s in host]))
        else:
            host = None
        out = super().forward(data, training)
        samples = out['data_samples']
        inputs = out['inputs']
        if not samples:
            raise ConfigError('RoIAlignFGDataPreprocessor needs the data '
                              f'samples with their "{self.box_source}"')
        if PARTS in out:
            raise ConfigError(
                'RoIAlignFGDataPreprocessor cuts the crops itself but the '
                'pipeline made some too: remove PartCrops from the pipeline')
        boxes = host if host is not None else torch.stack(
            [self._boxes(s) for s in samples])
        boxes = boxes.to(inputs)
        out[PARTS], out[PART_VALID] = self.cropper(inputs, boxes)
        if self.image_size is not None:
            out['inputs'] = F.interpolate(
                inputs,
                size=self.image_size,
                mode='bilinear',
                align_corners=False)
        return out
