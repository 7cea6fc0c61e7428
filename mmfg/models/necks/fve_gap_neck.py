"""The GAP baseline of the FVE paper: pooled part features concatenated in
crop order, zeros for missing parts (Korsch et al., Sec. 4.3 / Table 1
"GAP", Table 2 "GAP (with CS-Parts)")."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from .fve_part_neck import part_maps


@MODELS.register_module()
class GAPPartNeck(BaseModule):
    """Global average pooling of every part crop's ConvMap, concatenated in
    the crop order; a missing part (``valid = False``) contributes zeros
    (the "zero filling strategy" of Sec. 4.3), not the features of its blank
    crop.

    Shapes:
        ``forward(feats, valid)``: the last item of ``feats``
        ``(B, K, C, h, w)``, ``valid (B, K)`` -> ``((B, K C), )``.
    """
    #: the TwoStreamClassifier local stream (classifiers/local_streams.py)
    #: this neck takes: the whole set of an image's crops
    part_input = 'set'

    def forward(self,
                feats: Sequence[torch.Tensor],
                valid: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor]:
        maps, valid = part_maps(feats, valid, type(self).__name__)
        pooled = maps.mean(dim=(3, 4))  # (B, K, C)
        pooled = pooled * valid.to(pooled.dtype)[..., None]
        return (pooled.flatten(1), )
