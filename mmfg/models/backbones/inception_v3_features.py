"""InceptionV3 feature maps (Szegedy et al., CVPR 2016), the backbone of the
FVE paper (Korsch et al., Sec. 4.2: "the outputs of the last convolutional
layer ... ConvMaps", 8x8 at 299 px, Sec. 3.4).

mmpretrain's ``InceptionV3`` returns ``(aux logits, logits)``; this
subclass reuses its modules (same names, so an mmpretrain / torchvision-
converted checkpoint loads unchanged; ``fc`` keys are reported unused)
and stops at ``Mixed_7c``.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmpretrain.models.backbones import InceptionV3
from torch.nn.modules.batchnorm import _BatchNorm

from mmfg.registry import MODELS

#: the blocks in forward order (mmpretrain's module names)
STAGES = ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1',
          'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'maxpool2', 'Mixed_5b', 'Mixed_5c',
          'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d',
          'Mixed_6e', 'Mixed_7a', 'Mixed_7b', 'Mixed_7c')


@MODELS.register_module()
class InceptionV3Features(InceptionV3):
    """mmpretrain's InceptionV3 without pooling, dropout and classifier.

    Args:
        out_indices (Sequence[int]): indices into :data:`STAGES` whose
            outputs are returned. Defaults to ``(-1, )``: ``Mixed_7c``.
        norm_eval (bool): keep the BatchNorms in eval mode while training.
        init_cfg (dict, optional): as mmpretrain's InceptionV3 (truncated
            normal init) or a ``Pretrained`` checkpoint.

    Shapes: ``(B, 3, 299, 299)`` -> ``((B, 2048, 8, 8), )``; the input is
    expected in [-1, 1] for the usual InceptionV3 weights (the FVE
    configs' data preprocessor does that: mean 127.5, std 127.5).
    """

    def __init__(self,
                 out_indices: Sequence[int] = (-1, ),
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = [
                     dict(
                         type='TruncNormal',
                         layer=['Conv2d', 'Linear'],
                         std=0.1),
                     dict(type='Constant', layer='BatchNorm2d', val=1)
                 ]):
        super().__init__(num_classes=1, aux_logits=False, init_cfg=init_cfg)
        del self.avgpool, self.dropout, self.fc
        n = len(STAGES)
        if not out_indices or any(not -n <= i < n for i in out_indices):
            raise ValueError(f'out_indices must index the {n} stages '
                             f'{STAGES}, got {tuple(out_indices)}')
        self.out_indices = tuple(sorted(i % n for i in out_indices))
        self.norm_eval = norm_eval

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        last = max(self.out_indices)
        for i, name in enumerate(STAGES[:last + 1]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
