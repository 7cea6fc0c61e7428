"""RACNN's super-resolution layers (Cai et al., "Convolutional low-resolution
fine-grained classification", Sec. II-A, "Resolution-aware CNN").

Three zero-padded convolutions (SRCNN-style, Dong et al.):

    sconv1 9x9, 64 ch -> ReLU -> sconv2 5x5, 32 ch -> ReLU -> sconv3 5x5, C ch

Their output is a residual: RACNN adds it to the (low-resolution,
bicubically up-sampled) input image and feeds the sum to the classifier
(:class:`mmfg.models.classifiers.RACNN`).

Initialisation: the paper says "standard Gaussian" without a std; the default
here, std 0.001 with zero bias, is SRCNN's choice (Dong et al. 2014), not
stated in this paper.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmfg.registry import MODELS


@MODELS.register_module()
class SRLayers(BaseModule):
    """The three convolutional SR layers; ``forward`` returns the residual.

    Args:
        in_channels (int): image channels C (3 for RGB, 1 for grey).
        channels (tuple[int, int]): widths of sconv1 and sconv2 (64, 32).
        kernels (tuple[int, int, int]): kernel sizes (odd; padding k // 2).
        init_cfg (dict, optional): default Gaussian std 0.001, bias 0
            (SRCNN's choice); ``dict(type='Pretrained', checkpoint=...,
            prefix='sr.')`` loads pre-trained layers (p-RACNN).

    Shapes: (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: Tuple[int, int] = (64, 32),
        kernels: Tuple[int, int, int] = (9, 5, 5),
        init_cfg: Optional[dict] = dict(
            type='Normal', layer='Conv2d', std=0.001, bias=0.)
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(channels) != 2 or len(kernels) != 3:
            raise ValueError('SRLayers needs 2 channel widths and 3 kernel '
                             f'sizes, got channels={channels}, '
                             f'kernels={kernels}')
        if any(k % 2 == 0 for k in kernels):
            raise ValueError(f'SR kernel sizes must be odd, got {kernels}')
        widths = (in_channels, ) + tuple(channels) + (in_channels, )
        for i, k in enumerate(kernels):
            setattr(self, f'sconv{i + 1}',
                    nn.Conv2d(widths[i], widths[i + 1], k, padding=k // 2))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.sconv1(x))
        x = self.relu(self.sconv2(x))
        return self.sconv3(x)
