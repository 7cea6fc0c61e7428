"""Two-stream classifier: a global stream on the whole image and a local
stream on part/patch crops, with separate weights (Focus-Longer, Shroff et
al. CVPR-W 2020, Sec. 3; FVE's global CNN + part CNN, Korsch et al.).

One implementation for both methods; they differ in how the local stream
reads the crops (:mod:`.local_streams`: one crop at a time for
Focus-Longer, the whole set for FVE, chosen by the local neck) and in the
score fusion (raw logits vs. log-softmax).
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers.base import BaseClassifier
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError
from ..utils.data_preprocessor import check_parts
from .local_streams import CropStream, LocalModules, stream_for

EVAL_PROTOCOLS = ('mean', 'first', 'random')
FUSIONS = ('logits', 'log_softmax')


def _build(cfg):
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    return MODELS.build(cfg)


@MODELS.register_module()
class TwoStreamClassifier(BaseClassifier):
    """Global stream + local stream on K crops per image, separate weights.

    **Global stream** (optional): ``backbone`` -> ``neck`` -> ``head`` on the
    image ``(B, C, H, W)``, exactly mmpretrain's ``ImageClassifier`` with
    the same attribute names, so a checkpoint of the plain global classifier
    loads with no key mapping (``init_cfg=dict(type='Pretrained',
    checkpoint=..., prefix=...)`` per stream also works).

    **Local stream**: the crops come from the data preprocessor
    (:class:`~mmfg.models.utils.FGDataPreprocessor` for the pipeline's
    ``PartCrops`` + ``PackFGInputs``,
    :class:`~mmfg.models.utils.RoIAlignFGDataPreprocessor` for RoIAlign
    crops) as the keyword arguments ``parts (B, K, C, h, w)`` (normalised)
    and ``part_valid (B, K)`` bool. ``local_backbone`` (its own weights,
    never shared with ``backbone``), ``local_neck`` and ``local_head`` run
    on them as the neck's ``part_input`` says (:mod:`.local_streams`):

    * one crop at a time (:class:`~.local_streams.CropStream`,
      Focus-Longer; ``RecurrentAttentionNeck``, a plain neck or none):
      training on ONE valid crop per image drawn with the torch RNG (Sec.
      3.1), evaluation on every valid crop, the image's local score (in the
      fusion space, see ``fusion``) given by ``eval_protocol``:

      - ``'mean'``: the average over the image's valid crops;
      - ``'first'``: the first valid crop (``PartCrops`` orders proposals by
        score, so the top-scored patch);
      - ``'random'``: one valid crop drawn with
        ``numpy.random.default_rng([eval_seed, sample_idx])``: the public
        code's protocol made reproducible (the same crop for an image in
        every evaluation, whatever the batch).

      An image with no valid crop gets a zero local score (global only).
    * the whole set (:class:`~.local_streams.PartSetStream`, FVE;
      ``FVEPartNeck``, ``GAPPartNeck``): ``local_neck(feats (B, K, ...),
      valid)`` -> ``local_head``; one score per image, the protocol has
      nothing to choose.

    **Loss**: ``global_weight * L_global + local_weight * L_local``, each
    ``L`` the stream head's own ``loss`` (its configured loss module,
    ``CrossEntropyLoss`` in the configs), returned as ``global_loss`` and
    ``local_loss`` (already weighted; their sum is what is optimised).

    **Prediction**: ``fused = wg * f(global logits) + wl * f(local logits)``
    with ``f`` the identity (``fusion='logits'``, Focus-Longer: "the sum of
    the raw logits") or ``log_softmax`` (``fusion='log_softmax'``, FVE) and
    ``(wg, wl) = fusion_weights`` (default: the loss weights, as the paper's
    Sec. 3.3 says). ``pred_score = softmax(fused)``, ``pred_label = argmax``;
    each data sample also gets ``global_score`` and ``local_score`` (the
    two streams' logits, before ``f``). ``mode='tensor'`` returns ``fused``
    ``(B, num_classes)``.

    Args:
        backbone, neck, head (dict, optional): the global stream; all None
            for a local-only model (e.g. part CNN + FVE + classifier).
        local_backbone, local_neck, local_head (dict): the local stream
            (``local_neck`` optional: none = one crop at a time). The
            former ``local_mode`` argument is gone (the neck says it):
            giving it raises a :class:`~mmfg.utils.ConfigError`.
        eval_protocol (str): ``'mean'``, ``'first'`` or ``'random'``
            (one-crop-at-a-time streams); change it on a built model freely.
        eval_seed (int): seed of the ``'random'`` protocol.
        global_weight, local_weight (float): loss weights (paper: 1, 1).
        fusion (str): ``'logits'`` or ``'log_softmax'``.
        fusion_weights (tuple[float, float], optional): prediction weights.
        frozen_modules (Sequence[str]): names of the classifier's modules
            (``'backbone'``, ``'neck'``, ``'head'``, ``'local_backbone'``,
            ``'local_neck'``, ``'local_head'``) that do not learn: their
            parameters get ``requires_grad=False`` and the modules stay in
            eval mode under ``train()`` (BatchNorm statistics fixed, dropout
            off), as mmpretrain's ``frozen_stages``. The second stage of
            the FVE authors' scripts (github.com/cvjena/fve_layer) freezes
            both CNNs: ``('backbone', 'local_backbone')``. Defaults to
            ``()``.
        data_preprocessor (dict): defaults to ``FGDataPreprocessor``.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 local_backbone: Optional[dict] = None,
                 local_neck: Optional[dict] = None,
                 local_head: Optional[dict] = None,
                 eval_protocol: str = 'mean',
                 eval_seed: int = 0,
                 global_weight: float = 1.,
                 local_weight: float = 1.,
                 fusion: str = 'logits',
                 fusion_weights: Optional[Sequence[float]] = None,
                 frozen_modules: Sequence[str] = (),
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **removed):
        name = type(self).__name__
        if 'local_mode' in removed:
            raise ConfigError(
                f'{name}: local_mode is no longer an argument (the local '
                "neck's part_input says how the crops are read: FVEPartNeck/"
                'GAPPartNeck the whole set, RecurrentAttentionNeck or no neck '
                'one crop at a time): delete local_mode from the config')
        if removed:
            raise TypeError(f'{name}.__init__() got unexpected keyword '
                            f'arguments {sorted(removed)}')
        data_preprocessor = data_preprocessor or {}
        if isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor)
            data_preprocessor.setdefault('type', 'FGDataPreprocessor')
            data_preprocessor.setdefault('batch_augments', train_cfg)
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            init_cfg=init_cfg, data_preprocessor=data_preprocessor)
        if local_backbone is None or local_head is None:
            raise ConfigError(f'{name}: local_backbone and local_head are '
                              'required (use ImageClassifier for a global '
                              'stream alone)')
        if (backbone is None) != (head is None):
            raise ConfigError(f'{name}: give the global stream both a '
                              'backbone and a head, or neither')
        if fusion not in FUSIONS:
            raise ConfigError(f'{name}: fusion must be one of {FUSIONS}, '
                              f'got {fusion!r}')
        self.backbone = _build(backbone)
        self.neck = _build(neck)
        self.head = _build(head)
        self.local_backbone = _build(local_backbone)
        self.local_neck = _build(local_neck)
        self.local_head = _build(local_head)
        self.local_stream = stream_for(self.local_neck)
        self.eval_protocol = eval_protocol
        self.eval_seed = int(eval_seed)
        self.global_weight = float(global_weight)
        self.local_weight = float(local_weight)
        self.fusion = fusion
        self.fusion_weights = tuple(
            fusion_weights or (self.global_weight, self.local_weight))
        self._check_protocol()
        self.frozen_modules = self._freeze(frozen_modules)

    FREEZABLE = ('backbone', 'neck', 'head', 'local_backbone', 'local_neck',
                 'local_head')

    def _freeze(self, names: Sequence[str]) -> Tuple[str, ...]:
        if isinstance(names, str):
            names = (names, )
        names = tuple(names)
        for name in names:
            if name not in self.FREEZABLE:
                raise ConfigError(
                    f'{type(self).__name__}: frozen_modules entries must be '
                    f'among {self.FREEZABLE}, got {name!r}')
            if getattr(self, name) is None:
                raise ConfigError(f'{type(self).__name__}: frozen_modules '
                                  f'names {name!r}, which this model does '
                                  'not have')
            for param in getattr(self, name).parameters():
                param.requires_grad_(False)
        return names

    def train(self, mode: bool = True):
        """``nn.Module.train``; the ``frozen_modules`` stay in eval mode."""
        super().train(mode)
        for name in getattr(self, 'frozen_modules', ()):
            getattr(self, name).eval()
        return self

    # ------------------------------------------------------------ helpers
    @property
    def with_global(self) -> bool:
        return self.backbone is not None

    @property
    def local_modules(self) -> LocalModules:
        """``(local_backbone, local_neck, local_head)`` for the stream."""
        return LocalModules(self.local_backbone, self.local_neck,
                            self.local_head)

    def _check_protocol(self):
        if self.eval_protocol not in EVAL_PROTOCOLS:
            raise ConfigError(f'{type(self).__name__}: eval_protocol must '
                              f'be one of {EVAL_PROTOCOLS}, got '
                              f'{self.eval_protocol!r}')

    def extract_feat(self, inputs: torch.Tensor) -> tuple:
        """Global stream features: ``neck(backbone(inputs))`` (a tuple)."""
        x = self.backbone(inputs)
        return self.neck(x) if self.neck is not None else x

    def global_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, num_classes)``."""
        return self.head(self.extract_feat(inputs))

    def fusion_scores(self, logits: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., num_classes)`` in the fusion space (``f`` of the
        class docstring)."""
        return logits if self.fusion == 'logits' else F.log_softmax(
            logits, dim=-1)

    def combine_crop_scores(
            self,
            scores: torch.Tensor,
            valid: torch.Tensor,
            data_samples: Optional[list] = None) -> torch.Tensor:
        """Per-slot scores ``(B, S, num_classes)`` -> ``(B, num_classes)``
        by ``eval_protocol`` over the valid slots ``(B, S)``; zeros for
        images without a valid slot. ``data_samples`` give the
        ``sample_idx`` of the ``'random'`` protocol (0 without them)."""
        self._check_protocol()
        valid = valid.bool()
        any_valid = valid.any(1)
        if self.eval_protocol == 'mean':
            w = valid.to(scores.dtype)
            out = (scores * w.unsqueeze(-1)).sum(1)
            return out / w.sum(1, keepdim=True).clamp(min=1)
        if self.eval_protocol == 'first':
            idx = valid.to(torch.uint8).argmax(1)  # first maximal index
        else:
            idx = torch.zeros(len(valid), dtype=torch.long)
            for i in range(len(valid)):
                choices = torch.nonzero(valid[i]).flatten().tolist()
                if not choices:
                    continue
                sample_idx = 0 if data_samples is None else int(
                    data_samples[i].metainfo.get('sample_idx', i))
                rng = np.random.default_rng([self.eval_seed, sample_idx])
                idx[i] = choices[int(rng.integers(len(choices)))]
            idx = idx.to(scores.device)
        # gather, not scores[arange(len(scores)), idx]: an ONNX trace of
        # len() is a constant batch size
        out = scores.gather(1, idx[:, None,
                                   None].expand(-1, 1, scores.shape[-1]))[:, 0]
        return out * any_valid.unsqueeze(-1).to(out.dtype)

    # ------------------------------------------------------------- forward
    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[DataSample]] = None,
        mode: str = 'tensor',
        parts: Optional[torch.Tensor] = None,
        part_valid: Optional[torch.Tensor] = None
    ) -> Union[torch.Tensor, dict, List[DataSample]]:
        """``inputs (B, C, H, W)``; ``parts (B, K, C, h, w)`` and
        ``part_valid (B, K)`` from the data preprocessor (MMEngine passes
        them as keyword arguments). ``mode``: ``'tensor'`` -> fused scores
        ``(B, num_classes)``, ``'loss'`` -> dict of losses, ``'predict'``
        -> data samples."""
        if mode == 'tensor':
            return self.fused_logits(inputs, parts, part_valid,
                                     data_samples)[0]
        if mode == 'loss':
            return self.loss(inputs, data_samples, parts, part_valid)
        if mode == 'predict':
            return self.predict(inputs, data_samples, parts, part_valid)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def _parts(self, inputs, parts, part_valid):
        return check_parts(parts, part_valid, len(inputs), type(self).__name__)

    def fused_logits(
        self,
        inputs: torch.Tensor,
        parts: Optional[torch.Tensor],
        part_valid: Optional[torch.Tensor] = None,
        data_samples: Optional[list] = None
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor], torch.Tensor]:
        """Evaluation: ``(fused (B, num_classes), global logits or None,
        local logits (B, num_classes))``, the local logits combined over the
        crops by the same protocol as the fused scores."""
        parts, part_valid = self._parts(inputs, parts, part_valid)
        slots, valid = self.local_stream.predict(self.local_modules, parts,
                                                 part_valid)
        wg, wl = self.fusion_weights
        local_fused = self.combine_crop_scores(
            self.fusion_scores(slots), valid, data_samples)
        local = local_fused if self.fusion == 'logits' else \
            self.combine_crop_scores(slots, valid, data_samples)
        fused = wl * local_fused
        glob = None
        if self.with_global:
            glob = self.global_logits(inputs)
            fused = fused + wg * self.fusion_scores(glob)
        return fused, glob, local

    def loss(self,
             inputs: torch.Tensor,
             data_samples: List[DataSample],
             parts: Optional[torch.Tensor] = None,
             part_valid: Optional[torch.Tensor] = None) -> dict:
        parts, part_valid = self._parts(inputs, parts, part_valid)
        losses = dict()
        if self.with_global:
            g = self.head.loss(self.extract_feat(inputs), data_samples)
            for key, value in g.items():
                losses[f'global_{key}'] = (
                    self.global_weight * value if 'loss' in key else value)
        local = self.local_stream.loss(self.local_modules, parts, part_valid,
                                       data_samples)
        for key, value in local.items():
            losses[f'local_{key}'] = (
                self.local_weight * value if 'loss' in key else value)
        return losses

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                parts: Optional[torch.Tensor] = None,
                part_valid: Optional[torch.Tensor] = None) -> List[DataSample]:
        fused, glob, local = self.fused_logits(inputs, parts, part_valid,
                                               data_samples)
        scores = F.softmax(fused, dim=-1).detach()
        labels = scores.argmax(dim=1, keepdim=True).detach()
        if data_samples is None:
            data_samples = [None] * len(inputs)
        out = []
        for i, sample in enumerate(data_samples):
            sample = sample if sample is not None else DataSample()
            sample.set_pred_score(scores[i]).set_pred_label(labels[i])
            sample.set_field(local[i].detach(), 'local_score')
            if glob is not None:
                sample.set_field(glob[i].detach(), 'global_score')
            out.append(sample)
        return out

    # --------------------------------- Focus-Longer per-step read-outs
    def check_step_model(self):
        """Raise a :class:`~mmfg.utils.ConfigError` unless the local stream
        reads one crop at a time through a ``RecurrentAttentionNeck`` (the
        model of the per-step methods below)."""
        from ..necks import RecurrentAttentionNeck
        if not isinstance(self.local_stream, CropStream) or not isinstance(
                self.local_neck, RecurrentAttentionNeck):
            raise ConfigError(
                'the per-step read-out needs a TwoStreamClassifier whose '
                'local_neck is a RecurrentAttentionNeck (one crop at a time)')

    def local_step_states(self, crops: torch.Tensor) -> torch.Tensor:
        """Hidden states of the local LSTM at every step (Sec. 3.1, eq. 4):
        ``(N, C, h, w)`` crops -> ``(N, T, D)``."""
        self.check_step_model()
        feats = self.local_backbone(crops)
        feats = feats[-1] if isinstance(feats, (tuple, list)) else feats
        return self.local_neck.step_states(feats)

    def local_head_logits(self, feats: torch.Tensor) -> torch.Tensor:
        """The local head on ``(N, D)`` features -> ``(N, num_classes)``
        (a ``MultiStepClsHead`` is applied as its wrapped per-step head)."""
        from ..heads import MultiStepClsHead
        head = self.local_head
        if isinstance(head, MultiStepClsHead):
            head = head.head
        return head((feats, ))

    def local_step_logits(self, crops: torch.Tensor,
                          step: int) -> torch.Tensor:
        """The local head on the hidden state ``h_t`` of step ``t`` alone
        (the paper's Table 3 / Fig. 3): ``(N, C, h, w)`` crops ->
        ``(N, num_classes)``; ``step`` is 1-based, ``-1`` = ``T``."""
        states = self.local_step_states(crops)
        t = step - 1 if step > 0 else -1
        return self.local_head_logits(states[:, t])
