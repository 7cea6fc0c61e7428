"""Units of the BU / TD networks built by :class:`TopDownNet`.

Residual blocks work in three modes: plain (stride 1), downsampling (BU:
the first conv and the shortcut are strided) and upsampling (TD, Lelekas et
al. Sec. 3: "downscaling operations are replaced by upscaling"; the block
upsamples with nearest-neighbour interpolation to a given size before its
first convolution, and its shortcut upsamples too).
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer


def conv(in_channels: int,
         out_channels: int,
         kernel_size: int,
         stride: int = 1,
         bias: bool = True) -> nn.Conv2d:
    """``kernel_size`` conv with 'same' padding (``k // 2``)."""
    return nn.Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=kernel_size // 2,
        bias=bias)


def resize(x: torch.Tensor,
           size: Optional[Sequence[int]],
           mode: str = 'nearest') -> torch.Tensor:
    """Resize ``x`` to ``size`` (no-op when equal or ``size`` is None)."""
    if size is None or tuple(x.shape[-2:]) == tuple(size):
        return x
    if mode == 'nearest':
        return F.interpolate(x, size=tuple(size), mode='nearest')
    return F.interpolate(x, size=tuple(size), mode=mode, align_corners=False)


class MaxPool2dSame(nn.MaxPool2d):
    """Max pooling with TensorFlow ``'SAME'`` padding: ``ceil(H / stride)``
    outputs for any kernel (the extra padding goes to the bottom/right, and
    padded cells never win). Used between the stages of LeNetFC (2x2/2) and
    NIN (3x3/2) like the reference code.

    Shapes: ``(N, C, H, W)`` -> ``(N, C, ceil(H/s), ceil(W/s))``.
    """

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__(kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size, self.stride
        pads = []
        for size in (x.shape[-1], x.shape[-2]):  # F.pad: last dim first
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads, value=float('-inf'))
        return F.max_pool2d(x, k, s)


class PreActBlock(nn.Module):
    """Pre-activation residual block (He et al., "Identity mappings in deep
    residual networks"; Lelekas et al. Sec. 4 use it for ResNet32).

    ``o = ReLU(BN(x))``; ``y = conv2(ReLU(BN(conv1(o)))) + shortcut`` with
    shortcut ``x``, or a 1x1 conv of ``o`` when the width changes or the
    block downsamples (BU). When ``upsample`` is set (TD), ``o`` and the
    shortcut are resized to the ``size`` given to :meth:`forward`; a 1x1
    shortcut is computed before the upsampling (same result for
    nearest-neighbour upsampling, cheaper).

    Shapes: ``(N, C_in, H, W)`` -> ``(N, C_out, H', W')`` with
    ``H' = ceil(H / stride)`` or, when upsampling, the requested size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        upsample: bool = False,
        upsample_mode: str = 'nearest',
        bias: bool = True,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU')
    ) -> None:
        super().__init__()
        assert not (upsample and stride != 1)
        self.upsample, self.upsample_mode = upsample, upsample_mode
        self.norm1 = build_norm_layer(norm_cfg, in_channels)[1]
        self.act1 = build_activation_layer(act_cfg)
        self.conv1 = conv(in_channels, out_channels, kernel_size, stride, bias)
        self.norm2 = build_norm_layer(norm_cfg, out_channels)[1]
        self.act2 = build_activation_layer(act_cfg)
        self.conv2 = conv(out_channels, out_channels, kernel_size, 1, bias)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(
                in_channels, out_channels, 1, stride, bias=bias)
        else:
            self.shortcut = None

    def forward(self,
                x: torch.Tensor,
                size: Optional[Sequence[int]] = None) -> torch.Tensor:
        o = self.act1(self.norm1(x))
        identity = x if self.shortcut is None else self.shortcut(o)
        if self.upsample:
            o = resize(o, size, self.upsample_mode)
            identity = resize(identity, size, self.upsample_mode)
        out = self.conv1(o)
        out = self.conv2(self.act2(self.norm2(out)))
        return out + identity


class BasicBlock(nn.Module):
    """ResNet basic block (He et al. 2016): conv-BN-ReLU-conv-BN, add the
    shortcut (identity, or 1x1 conv + BN when the width changes or the block
    downsamples), ReLU. When ``upsample`` is set (TD) the input is resized
    to ``size`` before ``conv1`` and the shortcut is resized too (a 1x1
    shortcut is computed before, at the low resolution).

    Shapes: ``(N, C_in, H, W)`` -> ``(N, C_out, H', W')`` as
    :class:`PreActBlock`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        upsample: bool = False,
        upsample_mode: str = 'nearest',
        bias: bool = False,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU')
    ) -> None:
        super().__init__()
        assert not (upsample and stride != 1)
        self.upsample, self.upsample_mode = upsample, upsample_mode
        self.conv1 = conv(in_channels, out_channels, kernel_size, stride, bias)
        self.norm1 = build_norm_layer(norm_cfg, out_channels)[1]
        self.act1 = build_activation_layer(act_cfg)
        self.conv2 = conv(out_channels, out_channels, kernel_size, 1, bias)
        self.norm2 = build_norm_layer(norm_cfg, out_channels)[1]
        self.act2 = build_activation_layer(act_cfg)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=bias),
                build_norm_layer(norm_cfg, out_channels)[1])
        else:
            self.shortcut = None

    def forward(self,
                x: torch.Tensor,
                size: Optional[Sequence[int]] = None) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        if self.upsample:
            x = resize(x, size, self.upsample_mode)
            identity = resize(identity, size, self.upsample_mode)
        out = self.act1(self.norm1(self.conv1(x)))
        out = self.norm2(self.conv2(out))
        return self.act2(out + identity)
