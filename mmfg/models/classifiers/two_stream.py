"""Two-stream classifier: a global stream on the whole image and a local
stream on part/patch crops, with separate weights (Focus-Longer, Shroff et
al. CVPR-W 2020, Sec. 3; FVE's global CNN + part CNN, Korsch et al.).

One implementation for both methods; they differ in the local stream's
mode (``'per_crop'`` for Focus-Longer, ``'set'`` for FVE) and in the score
fusion (raw logits vs. log-softmax).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers.base import BaseClassifier
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError
from ..utils.data_preprocessor import PART_KEY, stack_part_inputs

LOCAL_MODES = ('per_crop', 'set')
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

    **Local stream**: the crops come from the pipeline (``PartCrops`` +
    ``PackFGInputs``: ``part_imgs`` (K, C, h, w) and ``part_valid`` (K,) per
    sample), normalised by :class:`~mmfg.models.utils.FGDataPreprocessor`
    and stacked by :func:`~mmfg.models.utils.stack_part_inputs` into
    ``crops (B, K, C, h, w)`` and ``valid (B, K)`` bool. ``local_backbone``
    (its own weights, never shared with ``backbone``) runs on the crops
    flattened to ``(B * K', C, h, w)``. Then, by ``local_mode``:

    * ``'per_crop'`` (Focus-Longer): ``local_neck`` and ``local_head`` see
      one crop at a time, like a plain classifier: ``local_neck(feats)``
      with ``feats`` the backbone's tuple of ``(N, ...)`` tensors, the head
      returning ``(N, num_classes)``. Training: ONE valid crop per image,
      drawn uniformly with the torch RNG (seeded by ``randomness.seed``;
      Sec. 3.1 "we randomly select a patch"); only the drawn crops go
      through the local backbone; images without a valid crop are left out
      of the local loss. Evaluation: every valid crop is scored and the
      image's local score (in the fusion space, see ``fusion``) is given by
      ``eval_protocol``:

      - ``'mean'``: the average over the image's valid crops;
      - ``'first'``: the first valid crop (``PartCrops`` orders proposals by
        score, so the top-scored patch);
      - ``'random'``: one valid crop drawn with
        ``numpy.random.default_rng([eval_seed, sample_idx])``: the public
        code's protocol made reproducible (the same crop for an image in
        every evaluation, whatever the batch).

      An image with no valid crop gets a zero local score (global only).
    * ``'set'`` (FVE): all K crops at once. Each backbone output is
      reshaped to ``(B, K, ...)`` and the set neck is called as
      ``local_neck(feats, valid)`` -> a tuple of ``(B, ...)`` tensors for
      ``local_head`` (which may use several of them, e.g. an FVE head with
      an auxiliary classifier on pooled part features). Invalid crops are
      zero images; the neck decides what to do with them from ``valid``.

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
            (``local_neck`` optional in ``'per_crop'`` mode).
        local_mode (str): ``'per_crop'`` or ``'set'``.
        eval_protocol (str): ``'mean'``, ``'first'`` or ``'random'``
            (``'per_crop'`` only); change it on a built model freely.
        eval_seed (int): seed of the ``'random'`` protocol.
        global_weight, local_weight (float): loss weights (paper: 1, 1).
        fusion (str): ``'logits'`` or ``'log_softmax'``.
        fusion_weights (tuple[float, float], optional): prediction weights.
        parts_key, valid_key (str): the data-sample fields of the crops.
        data_preprocessor (dict): defaults to ``FGDataPreprocessor``.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 backbone=None,
                 neck=None,
                 head=None,
                 local_backbone=None,
                 local_neck=None,
                 local_head=None,
                 local_mode='per_crop',
                 eval_protocol='mean',
                 eval_seed=0,
                 global_weight=1.,
                 local_weight=1.,
                 fusion='logits',
                 fusion_weights=None,
                 parts_key=PART_KEY,
                 valid_key='part_valid',
                 train_cfg=None,
                 data_preprocessor=None,
                 init_cfg=None):
        data_preprocessor = data_preprocessor or {}
        if isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor)
            data_preprocessor.setdefault('type', 'FGDataPreprocessor')
            data_preprocessor.setdefault('batch_augments', train_cfg)
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            init_cfg=init_cfg, data_preprocessor=data_preprocessor)
        name = type(self).__name__
        if local_backbone is None or local_head is None:
            raise ConfigError(f'{name}: local_backbone and local_head are '
                              'required (use ImageClassifier for a global '
                              'stream alone)')
        if (backbone is None) != (head is None):
            raise ConfigError(f'{name}: give the global stream both a '
                              'backbone and a head, or neither')
        if local_mode not in LOCAL_MODES:
            raise ConfigError(f'{name}: local_mode must be one of '
                              f'{LOCAL_MODES}, got {local_mode!r}')
        if local_mode == 'set' and local_neck is None:
            raise ConfigError(f"{name}: local_mode='set' needs a local_neck "
                              'that takes (feats (B, K, ...), valid (B, K))')
        if fusion not in FUSIONS:
            raise ConfigError(f'{name}: fusion must be one of {FUSIONS}, '
                              f'got {fusion!r}')
        self.backbone = _build(backbone)
        self.neck = _build(neck)
        self.head = _build(head)
        self.local_backbone = _build(local_backbone)
        self.local_neck = _build(local_neck)
        self.local_head = _build(local_head)
        self.local_mode = local_mode
        self.eval_protocol = eval_protocol
        self.eval_seed = int(eval_seed)
        self.global_weight = float(global_weight)
        self.local_weight = float(local_weight)
        self.fusion = fusion
        self.fusion_weights = tuple(
            fusion_weights or (self.global_weight, self.local_weight))
        self.parts_key = parts_key
        self.valid_key = valid_key
        self._check_protocol()

    # ------------------------------------------------------------ helpers
    @property
    def with_global(self):
        return self.backbone is not None

    def _check_protocol(self):
        if self.eval_protocol not in EVAL_PROTOCOLS:
            raise ConfigError(f'{type(self).__name__}: eval_protocol must '
                              f'be one of {EVAL_PROTOCOLS}, got '
                              f'{self.eval_protocol!r}')

    def extract_feat(self, inputs):
        """Global stream features: ``neck(backbone(inputs))`` (a tuple)."""
        x = self.backbone(inputs)
        return self.neck(x) if self.neck is not None else x

    def global_logits(self, inputs):
        """``(B, C, H, W)`` -> ``(B, num_classes)``."""
        return self.head(self.extract_feat(inputs))

    def crops(self, data_samples):
        """``(crops (B, K, C, h, w), valid (B, K))`` of a batch, checked."""
        crops, valid = stack_part_inputs(data_samples, self.parts_key,
                                         self.valid_key)
        if crops.dim() != 5 or valid.shape != crops.shape[:2]:
            raise ConfigError(
                f'{type(self).__name__}: crops must stack to (B, K, C, h, '
                f'w) with validity (B, K), got {tuple(crops.shape)} and '
                f'{tuple(valid.shape)}')
        return crops, valid

    def local_crop_feat(self, crops):
        """Per-crop local features: ``(N, C, h, w)`` crops -> the local
        neck's output tuple (``'per_crop'`` mode)."""
        x = self.local_backbone(crops)
        return self.local_neck(x) if self.local_neck is not None else x

    def local_crop_logits(self, crops):
        """``(N, C, h, w)`` crops -> ``(N, num_classes)``."""
        return self.local_head(self.local_crop_feat(crops))

    def local_set_feat(self, crops, valid):
        """``'set'`` mode: ``(B, K, C, h, w)`` crops and ``(B, K)`` validity
        -> the set neck's output tuple of ``(B, ...)`` tensors."""
        b, k = crops.shape[:2]
        feats = self.local_backbone(crops.flatten(0, 1))
        if torch.is_tensor(feats):
            feats = (feats, )
        feats = tuple(f.reshape(b, k, *f.shape[1:]) for f in feats)
        return self.local_neck(feats, valid)

    def _score(self, logits):
        return logits if self.fusion == 'logits' else F.log_softmax(
            logits, dim=-1)

    def combine_crop_scores(self, scores, valid, data_samples=None):
        """Per-crop scores ``(B, K, num_classes)`` (already in the fusion
        space) -> ``(B, num_classes)`` by ``eval_protocol``; zeros for
        images without a valid crop."""
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
        out = scores[torch.arange(len(scores), device=scores.device), idx]
        return out * any_valid.unsqueeze(-1).to(out.dtype)

    def local_logits_eval(self, crops, valid, data_samples=None):
        """Evaluation local logits ``(B, num_classes)`` and, for
        ``'per_crop'``, the per-crop logits ``(B, K, num_classes)`` (zeros
        where invalid)."""
        if self.local_mode == 'set':
            return self.local_head(self.local_set_feat(crops, valid)), None
        valid = valid.bool()
        flat = crops[valid]
        logits = self.local_crop_logits(flat)
        per_crop = logits.new_zeros(*valid.shape, logits.size(-1))
        per_crop[valid] = logits
        return per_crop, per_crop

    # ------------------------------------------------------------- forward
    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'tensor':
            return self._fused(inputs, data_samples)[0]
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def _fused(self, inputs, data_samples):
        """``(fused, global logits or None, local logits)``, evaluation."""
        if data_samples is None:
            raise ConfigError(
                f'{type(self).__name__} needs the data samples with the '
                'part crops; call it through the data preprocessor')
        crops, valid = self.crops(data_samples)
        if len(crops) != len(inputs):
            raise ConfigError(f'{len(inputs)} images but {len(crops)} sets '
                              'of crops')
        local, per_crop = self.local_logits_eval(crops, valid, data_samples)
        wg, wl = self.fusion_weights
        if per_crop is not None:
            local_fused = self.combine_crop_scores(
                self._score(per_crop), valid, data_samples)
            # the local logits reported: the same protocol on raw logits
            local = local_fused if self.fusion == 'logits' else \
                self._combine_raw(per_crop, valid, data_samples)
        else:
            local_fused = self._score(local)
        fused = wl * local_fused
        glob = None
        if self.with_global:
            glob = self.global_logits(inputs)
            fused = fused + wg * self._score(glob)
        return fused, glob, local

    def _combine_raw(self, per_crop, valid, data_samples):
        return self.combine_crop_scores(per_crop, valid, data_samples)

    def loss(self, inputs, data_samples):
        crops, valid = self.crops(data_samples)
        if len(crops) != len(inputs):
            raise ConfigError(f'{len(inputs)} images but {len(crops)} sets '
                              'of crops')
        losses = dict()
        if self.with_global:
            g = self.head.loss(self.extract_feat(inputs), data_samples)
            for key, value in g.items():
                losses[f'global_{key}'] = (
                    self.global_weight * value if 'loss' in key else value)
        if self.local_mode == 'set':
            feats = self.local_set_feat(crops, valid)
            local = self.local_head.loss(feats, data_samples)
        else:
            valid = valid.bool()
            keep = torch.nonzero(valid.any(1)).flatten()
            if len(keep) == 0:
                # nothing to learn from in this batch; keep the local
                # parameters in the graph (distributed training)
                zero = sum(p.sum() * 0 for p in self.local_parameters())
                local = dict(loss=zero)
            else:
                # one valid crop per image, uniformly at random
                draw = torch.rand(valid.shape, device=crops.device)
                draw[~valid] = -1.
                pick = draw.argmax(1)[keep]
                chosen = crops[keep, pick]
                samples = [data_samples[i] for i in keep.tolist()]
                local = self.local_head.loss(
                    self.local_crop_feat(chosen), samples)
        for key, value in local.items():
            losses[f'local_{key}'] = (
                self.local_weight * value if 'loss' in key else value)
        return losses

    def local_parameters(self):
        for module in (self.local_backbone, self.local_neck, self.local_head):
            if module is not None:
                yield from module.parameters()

    def predict(self, inputs, data_samples=None):
        fused, glob, local = self._fused(inputs, data_samples)
        scores = F.softmax(fused, dim=-1).detach()
        labels = scores.argmax(dim=1, keepdim=True).detach()
        out = []
        for i, sample in enumerate(data_samples):
            sample = sample if sample is not None else DataSample()
            sample.set_pred_score(scores[i]).set_pred_label(labels[i])
            sample.set_field(local[i].detach(), 'local_score')
            if glob is not None:
                sample.set_field(glob[i].detach(), 'global_score')
            out.append(sample)
        return out
