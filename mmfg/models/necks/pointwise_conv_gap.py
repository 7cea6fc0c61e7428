"""The public Focus-Longer code's extra block on the global stream: 1x1
convolutions (512 -> 1024 -> 1024, ReLU after each, no normalisation)
between VGG19's last pool and the global average pooling. The paper
(Sec. 4.1) does not mention it: GAP directly on VGG19's features."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from mmfg.utils import ConfigError


@MODELS.register_module()
class PointwiseConvGAP(BaseModule):
    """1x1 conv + ReLU blocks, then global average pooling.

    Args:
        in_channels (int): width of the backbone's last output.
        channels (Sequence[int]): output width of each 1x1 convolution.
            Defaults to (1024, 1024) (public code). ``()`` is plain GAP.
        init_cfg (dict): Kaiming normal (fan_out, ReLU), zero bias, as the
            public code.

    Shapes: ``(..., (B, in_channels, H, W))`` -> ``((B, channels[-1]),)``.
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int] = (1024, 1024),
        init_cfg: Optional[dict] = dict(
            type='Kaiming',
            layer='Conv2d',
            mode='fan_out',
            nonlinearity='relu',
            bias=0.)
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        layers, width = [], in_channels
        for c in channels:
            layers += [nn.Conv2d(width, c, 1), nn.ReLU(inplace=True)]
            width = c
        self.in_channels = in_channels
        self.out_channels = width
        self.convs = nn.Sequential(*layers)

    def forward(
        self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor]:
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if x.dim() != 4 or x.size(1) != self.in_channels:
            raise ConfigError(
                f'PointwiseConvGAP expects (B, {self.in_channels}, H, W), '
                f'got {tuple(x.shape)}')
        return (F.adaptive_avg_pool2d(self.convs(x), 1).flatten(1), )
