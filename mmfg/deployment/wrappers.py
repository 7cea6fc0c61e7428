"""Thin ``nn.Module`` wrappers that give every mmfg classifier the plain
tensor interface an ONNX graph has: preprocessed tensors in, class scores
out. Each calls the model's own evaluation code path, so the graph's
``scores`` are what ``model.predict`` puts into ``pred_score``: the softmax
over the classes of the head's logits (plain classifiers: mmpretrain's
``ClsHead`` prediction) or of the fused two-stream logits
(:meth:`TwoStreamClassifier.predict`).

Inputs (all float32 unless said; ``B`` is the batch):

* ``inputs`` ``(B, C, H, W)``: the normalised image, as the model's data
  preprocessor returns it (``(x - mean) / std``, channels flipped when
  ``to_rgb``);
* part/patch models whose pipeline cuts the crops (``PartCrops``):
  ``parts`` ``(B, K, C, h, w)`` normalised like the image and
  ``part_valid`` ``(B, K)`` bool;
* part/patch models that cut them with RoIAlign in the model
  (``RoIAlignFGDataPreprocessor``): ``boxes`` ``(B, K, 4)`` ``x1, y1, x2,
  y2`` in pixels of ``inputs`` (the full-resolution image; the graph
  resizes the global input itself), a box with ``x2 <= x1`` or ``y2 <=
  y1`` (e.g. zeros) marking an empty slot.

Output: ``scores`` ``(B, num_classes)``.
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmfg.utils import ConfigError

#: graph input names per wrapper kind
IMAGE_INPUTS = ('inputs', )
PART_INPUTS = ('inputs', 'parts', 'part_valid')
BOX_INPUTS = ('inputs', 'boxes')
OUTPUT_NAMES = ('scores', )


def _check_softmax_head(head: nn.Module, where: str) -> None:
    """Refuse heads whose ``predict`` is not a softmax of their logits."""
    from mmpretrain.models.heads import ClsHead
    if not isinstance(head, ClsHead):
        raise ConfigError(
            f'{where}: the head {type(head).__name__} is not an mmpretrain '
            'ClsHead (softmax scores); ONNX export supports single-label '
            'classifiers')


class ImageScores(nn.Module):
    """An image classifier (mmpretrain's ``ImageClassifier``, RACNN, the
    Top-Down and GASA backbones): ``inputs (B, C, H, W)`` ->
    ``softmax(model(inputs, mode='tensor'))`` ``(B, num_classes)``, the
    ``pred_score`` of mmpretrain's ``ClsHead.predict``."""
    input_names = IMAGE_INPUTS

    def __init__(self, model: BaseModel) -> None:
        super().__init__()
        _check_softmax_head(model.head, type(model).__name__)
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.model(inputs, mode='tensor'), dim=1)


class TwoStreamScores(nn.Module):
    """:class:`~mmfg.models.TwoStreamClassifier` on pipeline crops:
    ``inputs (B, C, H, W)``, ``parts (B, K, C, h, w)``, ``part_valid (B,
    K)`` bool -> ``softmax(fused)`` ``(B, num_classes)`` with ``fused``
    from the model's :meth:`fused_logits` (its evaluation protocol and
    fusion), as its ``predict`` computes ``pred_score``."""
    input_names = PART_INPUTS

    def __init__(self, model: BaseModel) -> None:
        super().__init__()
        if model.eval_protocol == 'random':
            raise ConfigError(
                "eval_protocol='random' draws each image's crop from its "
                'dataset index (sample_idx), which a graph does not have; '
                "export with --cfg-options model.eval_protocol=mean (or "
                "'first')")
        self.model = model

    def forward(self, inputs: torch.Tensor, parts: torch.Tensor,
                part_valid: torch.Tensor) -> torch.Tensor:
        fused = self.model.fused_logits(inputs, parts, part_valid)[0]
        return F.softmax(fused, dim=-1)


def roi_crops(cropper: nn.Module, images: torch.Tensor,
              boxes: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """What :class:`~mmfg.models.utils.RoIAlignCrops` returns for a box
    tensor, as one traceable op: ``images (B, C, H, W)``, ``boxes (B, K,
    4)`` -> ``crops (B, K, C, h, w)`` (zeros for empty boxes) and ``valid
    (B, K)`` bool (``x2 > x1`` and ``y2 > y1``). Every box goes through the
    cropper's own ``roi_align`` (``mmcv.ops.RoIAlign``); the empty ones are
    zeroed afterwards instead of skipped."""
    b, k = boxes.shape[0], boxes.shape[1]
    flat = boxes.reshape(-1, 4).to(images.dtype)
    index = torch.arange(b, device=images.device)[:, None].expand(b, k)
    index = index.reshape(-1)
    rois = torch.cat([index[:, None].to(images.dtype), flat], dim=1)
    out = cropper.roi_align(images.contiguous(), rois)
    crops = out.reshape(b, k, *out.shape[1:])
    valid = (boxes[..., 2] > boxes[..., 0]) & (boxes[..., 3] > boxes[..., 1])
    crops = torch.where(valid[:, :, None, None, None], crops,
                        torch.zeros_like(crops))
    return crops, valid


class RoIAlignTwoStreamScores(nn.Module):
    """:class:`~mmfg.models.TwoStreamClassifier` with a
    :class:`~mmfg.models.utils.RoIAlignFGDataPreprocessor`: ``inputs (B, C,
    H, W)`` (the normalised full-resolution image) and ``boxes (B, K, 4)``
    -> the crops as the preprocessor cuts them (:func:`roi_crops` with its
    ``cropper``), the global input resized to its ``image_size``
    (bilinear, half-pixel, as the preprocessor does), then
    :class:`TwoStreamScores`."""
    input_names = BOX_INPUTS

    def __init__(self, model: BaseModel) -> None:
        super().__init__()
        self.scores = TwoStreamScores(model)
        self.preprocessor = model.data_preprocessor

    def forward(self, inputs: torch.Tensor,
                boxes: torch.Tensor) -> torch.Tensor:
        pre = self.preprocessor
        parts, valid = roi_crops(pre.cropper, inputs, boxes)
        if pre.image_size is not None:
            inputs = F.interpolate(
                inputs,
                size=pre.image_size,
                mode='bilinear',
                align_corners=False)
        return self.scores(inputs, parts, valid)


def score_module(model: BaseModel) -> nn.Module:
    """The wrapper of ``model`` (in eval mode): :class:`ImageScores`,
    :class:`TwoStreamScores` or :class:`RoIAlignTwoStreamScores`.

    Raises:
        ConfigError: a model that is not a single-label classifier (the
            super-resolution pre-trainer, a detector, a multi-label head)
            or a two-stream model with the ``'random'`` protocol.
    """
    from mmpretrain.models import ImageClassifier

    from mmfg.models.classifiers.two_stream import TwoStreamClassifier
    from mmfg.models.utils.roi_crops import RoIAlignFGDataPreprocessor
    if isinstance(model, TwoStreamClassifier):
        if isinstance(model.data_preprocessor, RoIAlignFGDataPreprocessor):
            wrapper = RoIAlignTwoStreamScores(model)
        else:
            wrapper = TwoStreamScores(model)
    elif isinstance(model, ImageClassifier):
        if not model.with_head:
            raise ConfigError(f'{type(model).__name__} has no head; ONNX '
                              'export gives class scores')
        wrapper = ImageScores(model)
    else:
        raise ConfigError(
            f'{type(model).__name__} is not an image classifier; ONNX '
            'export supports ImageClassifier-based models (RACNN, Top-Down, '
            'GASA, mmpretrain classifiers) and TwoStreamClassifier '
            '(FVE, Focus-Longer)')
    return wrapper.eval()
