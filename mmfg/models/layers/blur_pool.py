"""Anti-aliased downsampling of the Top-Down input pyramid.

Top-Down networks (Lelekas et al., "Top-Down Networks: A coarse-to-fine
reimagination of CNNs", Sec. 3.1) feed the network with the image at several
scales; each coarser scale is the image blurred with a Gaussian and then
subsampled, "to avoid artifacts hampering the performance of the network".

The reference models (giannislelekas/topdown, ``downscale(..., method='tf')``
in ``src/lib/blurring.py``) do this with TensorFlow's anti-aliased Gaussian
resize, ``tf.image.resize(x, size // f, method='gaussian',
antialias=True)``: TensorFlow's Gaussian kernel has sigma 0.5 and radius 1.5
output pixels, i.e. **sigma = f / 2 input pixels** (1 at f = 2, 2 at f = 4)
and support ``|d| < 3 sigma``; output pixel ``o`` is centred at input
coordinate ``(o + 0.5) * H / H_out`` (half-pixel sampling, so for f = 2 it
lies between two input pixels), input pixel ``s`` at ``s + 0.5``, and the
weights are renormalised to sum to 1 where the kernel leaves the image
(no padding). The ``2 f / 6`` sigma of that repository's
``gaussian_pyramid`` helper is not used by its models.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmfg.registry import MODELS

BORDERS = ('renormalise', 'reflect', 'replicate', 'circular', 'zeros')


def default_blur_sigma(factor: int) -> float:
    """Gaussian sigma (input pixels) before downsampling by ``factor``:
    ``f / 2``, TensorFlow's anti-aliased Gaussian resize (sigma 0.5 output
    pixels) used by the reference models."""
    return factor / 2.0


def gaussian_kernel1d(sigma: float,
                      radius: Optional[int] = None) -> torch.Tensor:
    """Sampled, normalised 1-D Gaussian at integer offsets.

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


def gaussian_resize_matrix(in_size: int, out_size: int,
                           sigma: float) -> torch.Tensor:
    """``(out_size, in_size)`` weights of a 1-D anti-aliased Gaussian resize
    (TensorFlow's ``scale_and_translate`` sampling, see the module
    docstring): row ``o`` holds ``exp(-d^2 / (2 sigma^2))`` for the input
    pixels ``s`` with ``|d| < 3 sigma``, ``d = s + 0.5 - (o + 0.5) * in /
    out``, renormalised to sum to 1 (float64)."""
    if sigma <= 0:
        raise ValueError(f'sigma must be > 0, got {sigma}')
    centre = (torch.arange(out_size, dtype=torch.float64) + 0.5) * (
        in_size / out_size)
    src = torch.arange(in_size, dtype=torch.float64) + 0.5
    d = src[None, :] - centre[:, None]
    w = torch.exp(-d**2 / (2 * sigma**2))
    w = torch.where(d.abs() < 3 * sigma, w, torch.zeros_like(w))
    return w / w.sum(1, keepdim=True)


@MODELS.register_module()
class GaussianBlurPool(nn.Module):
    """Blur with a fixed Gaussian and downsample by ``factor``.

    Default (``border='renormalise'``): TensorFlow's anti-aliased Gaussian
    resize, as in the reference models (module docstring), computed as two
    fixed matrix products (rows, then columns); nothing is trained or saved.
    ``border`` = ``'reflect'`` / ``'replicate'`` / ``'circular'`` /
    ``'zeros'`` instead pads the image and keeps the blurred pixels at
    ``0, f, 2f, ...`` (integer-grid sampling; not the reference's).

    Size rule: ``ceil(H / f) x ceil(W / f)`` (the reference resizes to
    ``floor(H / f)``; the two agree whenever ``f`` divides the size, as for
    every built-in configuration).

    Args:
        factor (int): integer downsampling factor (>= 1).
        sigma (float, optional): Gaussian standard deviation in input pixels.
            Defaults to ``factor / 2``. ``0``: plain subsampling (pixels
            ``0, f, 2f, ...``), no blur.
        border (str): see above. Defaults to ``'renormalise'``.

    Shapes:
        input ``(N, C, H, W)`` -> output ``(N, C, ceil(H/f), ceil(W/f))``.
    """

    def __init__(self,
                 factor: int,
                 sigma: Optional[float] = None,
                 border: str = 'renormalise'):
        super().__init__()
        if int(factor) != factor or factor < 1:
            raise ValueError(
                f'factor must be a positive integer, got {factor}')
        if border not in BORDERS:
            raise ValueError(f'unknown border {border!r}; choose one of '
                             f'{BORDERS}')
        self.factor = int(factor)
        self.sigma = default_blur_sigma(factor) if sigma is None else sigma
        self.border = border
        if self.sigma > 0 and border != 'renormalise':
            kernel = gaussian_kernel2d(self.sigma).float()
        else:
            kernel = torch.ones(1, 1)
        self.radius = kernel.shape[-1] // 2
        self.register_buffer('kernel', kernel[None, None], persistent=False)
        self._matrices = {}

    @property
    def kernel_size(self) -> int:
        """Input pixels per axis that one interior output pixel reads
        (renormalise: ``3 f`` for even ``f`` and sigma ``f / 2``; padded:
        ``2 ceil(3 sigma) + 1``)."""
        if self.sigma <= 0:
            return 1
        if self.border != 'renormalise':
            return 2 * self.radius + 1
        n = 16 * self.factor * max(1, math.ceil(self.sigma))
        row = gaussian_resize_matrix(n, n // self.factor, self.sigma)
        return int((row[len(row) // 2] > 0).sum())

    def _matrix(self, n, x):
        key = (n, x.device, x.dtype)
        if key not in self._matrices:
            out = -(-n // self.factor)
            self._matrices[key] = gaussian_resize_matrix(n, out,
                                                         self.sigma).to(
                                                             device=x.device,
                                                             dtype=x.dtype)
        return self._matrices[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.factor
        if self.sigma <= 0 or f == 1 and self.border != 'renormalise':
            return x[..., ::f, ::f]
        if self.border == 'renormalise':
            rows = self._matrix(x.shape[-2], x)
            cols = self._matrix(x.shape[-1], x)
            return torch.matmul(torch.matmul(rows, x), cols.t())
        r = self.radius
        mode = self.border
        if mode == 'reflect' and min(x.shape[-2:]) <= r:
            mode = 'replicate'
        if mode == 'zeros':
            x = F.pad(x, (r, r, r, r))
        else:
            x = F.pad(x, (r, r, r, r), mode=mode)
        c = x.shape[1]
        weight = self.kernel.to(x.dtype).expand(c, 1, -1, -1)
        # outputs at 0, f, 2f, ... -> floor((H - 1) / f) + 1 = ceil(H / f)
        return F.conv2d(x, weight, stride=f, groups=c)

    def extra_repr(self) -> str:
        return (f'factor={self.factor}, sigma={self.sigma:.4g}, '
                f'border={self.border!r}')
