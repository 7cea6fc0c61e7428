"""Anti-aliased downsampling: fixed Gaussian blur, then subsampling.

Top-Down networks (Lelekas et al., "Top-Down Networks: A coarse-to-fine
reimagination of CNNs", Sec. 3.1) feed the network with the image at several
scales; each coarser scale is the image blurred with a Gaussian and then
subsampled, "to avoid artifacts hampering the performance of the network".
The public reference code uses ``sigma = 2 * factor / 6`` and a kernel that
extends to ``ceil(3 * sigma)`` pixels on each side of its centre.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmfg.registry import MODELS


def default_blur_sigma(factor: int) -> float:
    """Gaussian sigma used before downsampling by ``factor``: ``2 f / 6``.

    The Gaussian window (6 sigma wide) then spans two output pixels.
    """
    return 2.0 * factor / 6.0


def gaussian_kernel1d(sigma: float,
                      radius: Optional[int] = None) -> torch.Tensor:
    """Sampled, normalised 1-D Gaussian.

    Args:
        sigma (float): standard deviation in pixels (> 0).
        radius (int, optional): half width; the kernel has ``2 r + 1`` taps.
            Defaults to ``ceil(3 * sigma)``.

    Returns:
        Tensor: shape ``(2 r + 1,)``, float64, summing to 1.
    """
    if sigma <= 0:
        raise ValueError(f'sigma must be > 0, got {sigma}')
    if radius is None:
        radius = int(math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    g = torch.exp(-x**2 / (2 * sigma**2))
    return g / g.sum()


def gaussian_kernel2d(sigma: float,
                      radius: Optional[int] = None) -> torch.Tensor:
    """Isotropic 2-D Gaussian ``(2 r + 1, 2 r + 1)`` summing to 1 (outer
    product of :func:`gaussian_kernel1d` with itself)."""
    g = gaussian_kernel1d(sigma, radius)
    return torch.outer(g, g)


@MODELS.register_module()
class GaussianBlurPool(nn.Module):
    """Blur with a fixed Gaussian, then keep every ``factor``-th pixel.

    A depthwise convolution (the same kernel for every channel) with stride
    ``factor``; the kernel is a non-persistent buffer (not trained, not in
    checkpoints: it is fully determined by ``factor`` and ``sigma``).

    Size rule: the output has ``ceil(H / factor) x ceil(W / factor)`` pixels,
    sampled at input rows/columns ``0, factor, 2 factor, ...`` (the
    TensorFlow ``'SAME'`` convention the paper's code uses everywhere); the
    border is padded with ``padding_mode`` (``'reflect'`` as in the reference
    code; it falls back to ``'replicate'`` when the image is smaller than the
    kernel radius).

    Args:
        factor (int): integer downsampling factor (>= 1).
        sigma (float, optional): Gaussian standard deviation in input pixels.
            Defaults to ``2 * factor / 6``. ``0`` disables the blur.
        padding_mode (str): ``'reflect'``, ``'replicate'``, ``'circular'`` or
            ``'zeros'``.

    Shapes:
        input ``(N, C, H, W)`` -> output ``(N, C, ceil(H/f), ceil(W/f))``.
    """

    def __init__(self,
                 factor: int,
                 sigma: Optional[float] = None,
                 padding_mode: str = 'reflect'):
        super().__init__()
        if int(factor) != factor or factor < 1:
            raise ValueError(
                f'factor must be a positive integer, got {factor}')
        if padding_mode not in ('reflect', 'replicate', 'circular', 'zeros'):
            raise ValueError(f'unknown padding_mode {padding_mode!r}')
        self.factor = int(factor)
        self.sigma = default_blur_sigma(factor) if sigma is None else sigma
        self.padding_mode = padding_mode
        if self.sigma > 0:
            kernel = gaussian_kernel2d(self.sigma).float()
        else:
            kernel = torch.ones(1, 1)
        self.radius = kernel.shape[-1] // 2
        self.register_buffer('kernel', kernel[None, None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.radius
        if r > 0:
            mode = self.padding_mode
            if mode == 'reflect' and min(x.shape[-2:]) <= r:
                mode = 'replicate'
            if mode == 'zeros':
                x = F.pad(x, (r, r, r, r))
            else:
                x = F.pad(x, (r, r, r, r), mode=mode)
        c = x.shape[1]
        weight = self.kernel.to(x.dtype).expand(c, 1, -1, -1)
        # A strided convolution evaluates the blur only at the kept pixels:
        # outputs at 0, f, 2f, ... -> floor((H - 1) / f) + 1 = ceil(H / f).
        return F.conv2d(x, weight, stride=self.factor, groups=c)

    def extra_repr(self) -> str:
        return (f'factor={self.factor}, sigma={self.sigma:.4g}, '
                f'kernel_size={2 * self.radius + 1}, '
                f'padding_mode={self.padding_mode!r}')
