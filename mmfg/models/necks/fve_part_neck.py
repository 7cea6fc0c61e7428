"""The FVE set neck: Fisher vector of the local features of all part crops
of an image (Korsch et al., "End-to-end Learning of a Fisher Vector
Encoding for Part Features in Fine-grained Recognition",
Sec. 3.4 "Part Features from ConvMaps", Fig. 2)."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from mmfg.utils import ConfigError
from ..layers.fve import fve_feature_mask


def part_maps(feats: Union[torch.Tensor, Sequence[torch.Tensor]],
              valid: Optional[torch.Tensor],
              name: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Check the set neck's input and return the last feature map
    ``(B, K, C, h, w)`` and ``valid (B, K)`` bool."""
    x = feats[-1] if isinstance(feats, (tuple, list)) else feats
    if x.dim() != 5:
        raise ConfigError(
            f'{name} expects part feature maps (B, K, C, h, w) from the '
            "whole-set local stream (part_input = 'set'), got "
            f'{tuple(x.shape)}')
    if valid is None:
        valid = x.new_ones(x.shape[:2], dtype=torch.bool)
    if valid.shape != x.shape[:2]:
        raise ConfigError(f'{name}: valid must be {tuple(x.shape[:2])}, got '
                          f'{tuple(valid.shape)}')
    return x, valid.to(device=x.device, dtype=torch.bool)


@MODELS.register_module()
class FVEPartNeck(BaseModule):
    """Fisher vector encoding of part features from ConvMaps (Sec. 3.4).

    Every part crop's ConvMap ``(C, h, w)`` gives ``h * w`` local features
    of dimension ``C``; an image with ``K`` crops has ``N = K h w`` of them.
    They are masked (the same mask for the GMM update and the encoding):

    1. features of missing parts (``valid = False``: invisible parts, fewer
       proposals than ``K``) are dropped unless ``use_missing_parts=True``
       (then the blank crop's features count like any other: the paper's
       zero-filled "shuffled GT parts" protocol of Table 1; the default is
       its "only visible GT parts");
    2. ``feature_mask=True``: of the remaining features only those whose L2
       norm is >= the mean norm of the image's remaining features are kept
       (:func:`~mmfg.models.layers.fve_feature_mask`, detached norms).

    The kept features are encoded by an
    :class:`~mmfg.models.layers.FVELayer` (its GMM is updated in training
    mode, Sec. 3.2). The second output is the pooled part feature for the
    auxiliary classifier (the authors' public scripts, github.com/cvjena/
    fve_layer: an auxiliary linear head on the pooled part features). Each
    part's ConvMap is global-average pooled to ``(C, )`` and, by
    ``aux_pooling``:

    * ``'concat'`` (default, as the scripts: the auxiliary classifier is the
      GAP baseline's classifier): the K pooled vectors concatenated in crop
      order, zeros for a missing part (exactly
      :class:`~mmfg.models.necks.GAPPartNeck`) -> ``(B, K C)``;
    * ``'mean'``: averaged over the image's valid parts (order-invariant;
      zeros for an image without valid parts) -> ``(B, C)``; mmfg's
      earlier behaviour.

    Args:
        in_channels (int): ``C``.
        num_components (int): ``K_gmm``.
        decay (float): lambda of the EMA. Defaults to 0.9 (the paper).
        normalization (str): ``'count'`` or ``'sqrt_count'``
            (see :class:`~mmfg.models.layers.FVELayer`).
        feature_mask (bool): apply the norm rule. Defaults to True.
        use_missing_parts (bool): encode the features of invalid (blank)
            crops too. Defaults to False.
        with_pooled (bool): also return the pooled part features.
        aux_pooling (str): ``'concat'`` or ``'mean'`` (see above); the
            auxiliary head's ``aux_channels`` is then ``K * in_channels``
            or ``in_channels``. Defaults to ``'concat'``.
        fve_cfg (dict, optional): more :class:`FVELayer` arguments
            (``var_floor``, ``init_range``, ``seed``, ``means_only``,
            ``sync_stats``: combine the GMM statistics over processes,
            default True).

    Shapes:
        ``forward(feats, valid)``: ``feats`` a tuple whose last item is
        ``(B, K, C, h, w)``, ``valid (B, K)`` -> ``(fv (B, 2 K_gmm C),
        pooled (B, K C) or (B, C))`` (``(fv, )`` without ``with_pooled``).
    """
    #: the TwoStreamClassifier local stream (classifiers/local_streams.py)
    #: this neck takes: the whole set of an image's crops
    part_input = 'set'
    AUX_POOLINGS = ('concat', 'mean')

    def __init__(self,
                 in_channels: int,
                 num_components: int,
                 decay: float = 0.9,
                 normalization: str = 'count',
                 feature_mask: bool = True,
                 use_missing_parts: bool = False,
                 with_pooled: bool = True,
                 aux_pooling: str = 'concat',
                 fve_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if aux_pooling not in self.AUX_POOLINGS:
            raise ConfigError(f'{type(self).__name__}: aux_pooling must be '
                              f'one of {self.AUX_POOLINGS}, got '
                              f'{aux_pooling!r}')
        self.aux_pooling = aux_pooling
        self.in_channels = in_channels
        self.feature_mask = feature_mask
        self.use_missing_parts = use_missing_parts
        self.with_pooled = with_pooled
        self.fve = MODELS.build(
            dict(
                type='FVELayer',
                in_channels=in_channels,
                num_components=num_components,
                decay=decay,
                normalization=normalization,
                **(fve_cfg or {})))

    @property
    def out_channels(self) -> int:
        """Length of the Fisher vector."""
        return self.fve.out_channels

    def local_features(
            self, feats: Sequence[torch.Tensor], valid: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(x (B, K h w, C), mask (B, K h w) bool)``: the local features
        (part-major, then row-major positions) and the features used."""
        maps, valid = part_maps(feats, valid, type(self).__name__)
        b, k, c, h, w = maps.shape
        if c != self.in_channels:
            raise ConfigError(f'{type(self).__name__}: in_channels='
                              f'{self.in_channels} but the part ConvMaps '
                              f'have {c} channels')
        x = maps.permute(0, 1, 3, 4, 2).reshape(b, k * h * w, c)
        exists = valid if not self.use_missing_parts else torch.ones_like(
            valid)
        exists = exists[:, :, None].expand(b, k, h * w).reshape(b, -1)
        mask = fve_feature_mask(x, exists) if self.feature_mask else exists
        return x, mask

    def forward(
            self,
            feats: Sequence[torch.Tensor],
            valid: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, ...]:
        x, mask = self.local_features(feats, valid)
        fv = self.fve(x, mask)
        if not self.with_pooled:
            return (fv, )
        maps, valid = part_maps(feats, valid, type(self).__name__)
        pooled = maps.mean(dim=(3, 4))  # (B, K, C)
        vf = valid.to(pooled.dtype)[..., None]
        if self.aux_pooling == 'concat':
            return fv, (pooled * vf).flatten(1)
        pooled = (pooled * vf).sum(1) / vf.sum(1).clamp_min(1)
        return fv, pooled
