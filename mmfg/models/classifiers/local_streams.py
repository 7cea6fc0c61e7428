"""How the local stream of :class:`TwoStreamClassifier` reads its part/patch
crops: one crop at a time (Focus-Longer, Shroff et al. CVPR-W 2020, Sec.
3.1) or the whole set of an image at once (FVE, Korsch et al., Sec. 3.4).

A stream holds no parameters: it runs the classifier's own
``local_backbone``, ``local_neck`` and ``local_head`` (passed as
:class:`LocalModules`), so the state-dict keys are the classifier's. The
local neck says which stream it needs with a class attribute
``part_input``: ``'set'`` (``FVEPartNeck``, ``GAPPartNeck``: a neck called
as ``neck(feats, valid)`` on ``(B, K, ...)`` features) or ``'crop'``
(``RecurrentAttentionNeck``, any plain mmpretrain neck, or no neck: one
crop at a time, like an image classifier).

Both streams have one interface:

* ``loss(local, parts, valid, data_samples)`` -> the local head's losses;
* ``predict(local, parts, valid)`` -> ``(logits (B, S, num_classes), valid
  (B, S))``: the local logits of ``S`` slots per image, which the
  classifier combines over the valid slots by its evaluation protocol
  (``S = K`` crops for :class:`CropStream`; ``S = 1``, always valid, for
  :class:`PartSetStream`, where combining one slot returns it unchanged).

Shapes: ``parts (B, K, C, h, w)`` normalised crops and ``valid (B, K)``
bool, as the data preprocessor returns them.
"""
from typing import Iterator, List, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmfg.utils import ConfigError


def _batch_dependent(module: Optional[nn.Module]) -> bool:
    """Whether ``module`` (None: no) has a batch-norm layer in training
    mode (its output for one sample depends on the rest of the batch)."""
    return module is not None and any(
        isinstance(m, _BatchNorm) and m.training for m in module.modules())


class LocalModules(NamedTuple):
    """The local stream's modules, owned by the classifier."""
    backbone: nn.Module
    neck: Optional[nn.Module]
    head: nn.Module

    def parameters(self) -> Iterator[nn.Parameter]:
        for module in self:
            if module is not None:
                yield from module.parameters()


class CropStream:
    """One crop at a time (Focus-Longer, Sec. 3.1): ``local_neck`` and
    ``local_head`` see the crops like a plain classifier sees images,
    ``local_neck(local_backbone(crops (N, C, h, w)))`` -> the head's
    ``(N, num_classes)``.

    * training: ONE valid crop per image, drawn uniformly with the torch RNG
      (``torch.rand((B, K))``, seeded by ``randomness.seed``; Sec. 3.1 "we
      randomly select a patch"); only the drawn crops go through the local
      backbone; images without a valid crop are left out of the local loss;
    * prediction: every valid crop is scored; the slots are the K crops,
      invalid ones zero.
    """
    part_input = 'crop'

    @staticmethod
    def features(local: LocalModules, crops: torch.Tensor) -> tuple:
        """``(N, C, h, w)`` crops -> the local neck's output tuple."""
        x = local.backbone(crops)
        return local.neck(x) if local.neck is not None else x

    def logits(self, local: LocalModules, crops: torch.Tensor) -> torch.Tensor:
        """``(N, C, h, w)`` crops -> ``(N, num_classes)``."""
        return local.head(self.features(local, crops))

    def loss(self, local: LocalModules, parts: torch.Tensor,
             valid: torch.Tensor, data_samples: List) -> dict:
        """The local head's losses on one valid crop per image, drawn with
        ``torch.rand((B, K))``. No host sync: every image sends one crop
        through the local stream and the images without a valid crop get
        the weight 0 in the head's loss (``weight`` of the loss module),
        whose mean is then taken over the ``n`` images with one, i.e.
        ``sum_i w_i l_i / n``, the mean over the kept images (0 when
        ``n = 0``). A local backbone with batch-norm layers in training
        mode would let the extra crops into its batch statistics: there
        the images without a valid crop are dropped first (one host sync),
        as the paper's one-crop-per-image training implies."""
        draw = torch.rand(valid.shape, device=parts.device)
        draw = draw.masked_fill(~valid, -1.)
        pick = draw.argmax(1)  # (B,)
        has = valid.any(1)  # (B,)
        if _batch_dependent(local.backbone) or _batch_dependent(local.neck):
            return self._loss_compact(local, parts, has, pick, data_samples)
        b = parts.shape[0]
        # gather, not parts[arange(B), pick]: one (B, C, h, w) index op
        index = pick.view(b, 1, 1, 1, 1).expand(b, 1, *parts.shape[2:])
        chosen = parts.gather(1, index)[:, 0]
        weight = has.to(parts.dtype)
        losses = local.head.loss(
            self.features(local, chosen), data_samples, weight=weight)
        # the head averaged over B: rescale to the mean over the kept ones
        scale = b / weight.sum().clamp(min=1)
        return {
            key: value * scale if 'loss' in key else value
            for key, value in losses.items()
        }

    def _loss_compact(self, local, parts, has, pick, data_samples) -> dict:
        """The batch of the images with a valid crop only (host sync)."""
        keep = torch.nonzero(has).flatten()
        if len(keep) == 0:
            # nothing to learn from in this batch; keep the local
            # parameters in the graph (distributed training)
            return dict(loss=sum(p.sum() * 0 for p in local.parameters()))
        chosen = parts[keep, pick[keep]]
        samples = [data_samples[i] for i in keep.tolist()]
        return local.head.loss(self.features(local, chosen), samples)

    def predict(self, local: LocalModules, parts: torch.Tensor,
                valid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per-crop logits ``(B, K, num_classes)`` (zeros where invalid)
        and ``valid``. On the CPU (and in an ONNX export) the valid crops
        only are scored; on other devices and under ``torch.compile`` every
        crop is, and the invalid ones are zeroed: no host sync to find
        them."""
        compact = parts.device.type == 'cpu' or torch.jit.is_tracing()
        if compact and not torch.compiler.is_compiling():
            logits = self.logits(local, parts[valid])
            per_crop = logits.new_zeros(*valid.shape, logits.size(-1))
            per_crop[valid] = logits
            return per_crop, valid
        b, k = valid.shape
        logits = self.logits(local, parts.flatten(0, 1)).view(b, k, -1)
        return torch.where(valid[..., None], logits, logits.new_zeros(
            ())), valid


class PartSetStream:
    """The whole set of an image's crops at once (FVE, Sec. 3.4): the local
    backbone runs on the ``B * K`` crops, each of its outputs is reshaped to
    ``(B, K, ...)`` and the set neck is called as ``local_neck(feats,
    valid)`` -> a tuple of ``(B, ...)`` tensors for ``local_head`` (which
    may use several of them, e.g. an FVE head with an auxiliary classifier
    on pooled part features). Invalid crops are zero images; the neck
    decides what to do with them from ``valid``."""
    part_input = 'set'

    @staticmethod
    def features(local: LocalModules, parts: torch.Tensor,
                 valid: torch.Tensor) -> tuple:
        """``(B, K, C, h, w)`` crops and ``(B, K)`` validity -> the set
        neck's output tuple of ``(B, ...)`` tensors."""
        b, k = parts.shape[:2]
        feats = local.backbone(parts.flatten(0, 1))
        if torch.is_tensor(feats):
            feats = (feats, )
        feats = tuple(f.reshape(b, k, *f.shape[1:]) for f in feats)
        return local.neck(feats, valid)

    def loss(self, local: LocalModules, parts: torch.Tensor,
             valid: torch.Tensor, data_samples: List) -> dict:
        return local.head.loss(
            self.features(local, parts, valid), data_samples)

    def predict(self, local: LocalModules, parts: torch.Tensor,
                valid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """One slot per image: ``(B, 1, num_classes)``, all valid."""
        logits = local.head(self.features(local, parts, valid))
        return logits[:, None], valid.new_ones((logits.shape[0], 1))


#: ``part_input`` of a local neck -> its stream
STREAMS = {'crop': CropStream, 'set': PartSetStream}


def stream_for(neck: Optional[nn.Module]):
    """The stream a local neck takes (its ``part_input``; ``'crop'`` when it
    has none or there is no neck)."""
    kind = getattr(neck, 'part_input', 'crop')
    if kind not in STREAMS:
        raise ConfigError(f'{type(neck).__name__}.part_input must be one of '
                          f'{tuple(STREAMS)}, got {kind!r}')
    return STREAMS[kind]()
