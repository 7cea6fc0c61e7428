"""The part-stream head of the FVE model: a linear classifier on the Fisher
vector and an auxiliary linear classifier on the pooled part features
(Korsch et al., Sec. 4.5; the auxiliary head and its weight schedule follow
the authors' public training scripts, github.com/cvjena/fve_layer: facts
only, no code).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError


@MODELS.register_module()
class FVEClsHead(ClsHead):
    """Linear classifier on the Fisher vector + auxiliary linear classifier
    on the pooled part features.

    Loss (the part stream's cross-entropy):
    ``CE_part = aux_weight * CE(aux logits) + (1 - aux_weight) * CE(FVE
    logits)``, returned as ``loss`` (plus ``loss_fve`` and ``loss_aux``,
    detached, for the log). ``aux_weight`` starts at ``aux_weight`` (0.5)
    and is changed during training by
    :class:`~mmfg.engine.AuxLossWeightHook` (halved every 20
    epochs in the paper recipe). ``aux_weight=0`` and no ``aux_channels``
    gives the plain "part CNN + FVE + linear classifier".

    Prediction (``forward``): the FVE logits only.

    Args:
        num_classes (int): number of classes.
        in_channels (int): length of the Fisher vector (``feats[0]``).
        aux_channels (int, optional): channels of the pooled part feature
            (``feats[1]``): ``num_parts * C`` for the concatenated parts of
            ``FVEPartNeck(aux_pooling='concat')`` (the default, the
            authors' scripts), ``C`` for ``aux_pooling='mean'``; None = no
            auxiliary classifier.
        aux_weight (float): initial weight of the auxiliary loss in [0, 1].
        loss (dict): the loss module (``CrossEntropyLoss``).
        init_cfg (dict): defaults to ``Normal(std=0.01)`` on the linear
            layers as mmpretrain's ``LinearClsHead``.

    Shapes: ``feats = (fv (B, in_channels), pooled (B, aux_channels))`` ->
    ``(B, num_classes)``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 aux_channels: Optional[int] = None,
                 aux_weight: float = 0.5,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        if not 0.0 <= aux_weight <= 1.0:
            raise ConfigError(f'FVEClsHead: aux_weight must be in [0, 1], '
                              f'got {aux_weight}')
        if aux_channels is None and aux_weight > 0:
            raise ConfigError('FVEClsHead: aux_weight > 0 needs an auxiliary '
                              'classifier: set aux_channels (the pooled part '
                              'feature size)')
        self.num_classes = num_classes
        self.fc = nn.Linear(in_channels, num_classes)
        self.aux_fc = (
            nn.Linear(aux_channels, num_classes)
            if aux_channels is not None else None)
        self.aux_weight = float(aux_weight)
        self.init_aux_weight = float(aux_weight)

    def _check(self, feats):
        if not isinstance(feats, (tuple, list)):
            feats = (feats, )
        if self.aux_fc is not None and len(feats) < 2:
            raise ConfigError('FVEClsHead with aux_channels needs (fv, '
                              'pooled) from the neck (FVEPartNeck '
                              'with_pooled=True)')
        return feats

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """FVE logits ``(B, num_classes)``."""
        return self.fc(self._check(feats)[0])

    def _aux_logits(self, pooled: torch.Tensor) -> torch.Tensor:
        if pooled.shape[-1] != self.aux_fc.in_features:
            raise ConfigError(
                f'FVEClsHead: aux_channels={self.aux_fc.in_features} but '
                f'the pooled part features have {pooled.shape[-1]} channels '
                "(FVEPartNeck aux_pooling='concat' gives num_parts * C, "
                "'mean' gives C): set aux_channels to match")
        return self.aux_fc(pooled)

    def aux_forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Auxiliary logits ``(B, num_classes)`` on the pooled features."""
        return self._aux_logits(self._check(feats)[1])

    def loss(self, feats: Sequence[torch.Tensor],
             data_samples: List[DataSample], **kwargs) -> dict:
        feats = self._check(feats)
        target = torch.cat([s.gt_label for s in data_samples])
        fve = self.loss_module(self.fc(feats[0]), target, **kwargs)
        losses = dict(ce_fve=fve.detach())
        if self.aux_fc is None:
            losses['loss'] = fve
            return losses
        aux = self.loss_module(self._aux_logits(feats[1]), target, **kwargs)
        w = self.aux_weight
        losses['loss'] = w * aux + (1.0 - w) * fve
        losses['ce_aux'] = aux.detach()
        return losses
