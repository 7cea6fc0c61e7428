"""Gradient Feature Tokenization (GASA, Ma et al., "Gradient-Aware Spatial
Attention for Fine-Grained Image Recognition", Sec. 3.2).

From a grid of image tokens ``Y`` (the output of an overlapping patch
embedding, reshaped to ``(B, C, h, w)``) the module computes

1. depthwise Sobel gradients ``Gx``, ``Gy`` with fixed kernels (Sec. 3.2.1),
   concatenated to ``G`` (``2C`` channels);
2. directional statistics: average pooling of ``G`` along the width (one
   value per row, length ``h``) and along the height (one value per column,
   length ``w``), a 1-D convolution + sigmoid on each (Sec. 3.2.2);
3. their per-channel outer product, a 2-D weight map ``A`` (``2C x h x w``),
   and the weighted gradients ``G * A`` (Sec. 3.2.3);
4. a linear projection ``2C -> C`` at every position and a learned layer
   that turns the ``h * w`` projected vectors into ``G`` gradient tokens
   (Sec. 3.2.4).

Step 4's token layer: the paper calls it "a lightweight convolutional layer";
the public code (bingbeu/GASA) creates a ``Conv1d(h*w -> 16, k=1)`` over the
token axis *inside* ``forward``, i.e. fresh random weights at every call,
never trained nor saved, and only defined for one number of tokens. Here it
is a 1x1 convolution ``C -> G`` built in ``__init__`` that gives one spatial
logit map per gradient token; a softmax over the ``h * w`` positions turns
each map into weights, and token ``g`` is the weighted mean of the projected
gradient vectors (TokenLearner-style pooling, Ryoo et al. 2021). Its
parameters (``C * G + G``) do not depend on the number of image tokens, so
any input size and aspect works, and the module is deterministic.
"""
from math import comb
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from mmfg.utils.errors import ConfigError

SOBEL_SIZES = (3, 5, 7)


def sobel_kernel_1d(size):
    """OpenCV's separable Sobel factors for the first derivative.

    Returns ``(derivative, smoothing)``, both of length ``size``: the
    smoothing factor is the binomial row of order ``size - 1``
    (``[1, 2, 1]``, ``[1, 4, 6, 4, 1]``, ...), the derivative factor the
    binomial row of order ``size - 2`` convolved with ``[-1, 1]``
    (``[-1, 0, 1]``, ``[-1, -2, 0, 2, 1]``, ``[-1, -4, -5, 0, 5, 4, 1]``),
    which is what ``cv2.getDerivKernels(1, 0, size)`` returns.
    """
    if size not in SOBEL_SIZES:
        raise ConfigError(f'sobel_size must be one of {SOBEL_SIZES} '
                          f'(OpenCV kernels), got {size!r}')
    smooth = torch.tensor([comb(size - 1, i) for i in range(size)],
                          dtype=torch.float64)
    base = [comb(size - 2, i) for i in range(size - 1)]
    deriv = torch.tensor([(base[i - 1] if i >= 1 else 0) -
                          (base[i] if i < size - 1 else 0)
                          for i in range(size)],
                         dtype=torch.float64)
    return deriv, smooth


def sobel_kernel_2d(size):
    """``(size, size)`` kernel of the x derivative, ``K[i, j] =
    smooth[i] * deriv[j]``; the y kernel is its transpose.

    Sign convention (that of ``cv2.Sobel`` and ``scipy.ndimage.sobel``):
    applied by cross-correlation (``F.conv2d``), the response is positive
    where the intensity increases towards larger x (to the right) or larger
    y (downwards). The public GASA code uses the negated 3x3 kernel; the
    sign is absorbed by the learned layers that follow.
    """
    deriv, smooth = sobel_kernel_1d(size)
    return torch.outer(smooth, deriv)


@MODELS.register_module()
class GradientTokenizer(BaseModule):
    """Gradient Feature Tokenization: image-token grid -> ``G`` tokens.

    Args:
        embed_dims (int): channels ``C`` of the image tokens.
        num_tokens (int): number ``G`` of gradient tokens (paper: 12, the
            public code: 16). Defaults to 12.
        sobel_size (int): Sobel kernel size, 3 (paper's best), 5 or 7
            (OpenCV's kernels). Defaults to 3.
        dir_kernel_size (int): kernel of the two 1-D convolutions of the
            directional attention (public code: 3). Defaults to 3.
        dir_conv_groups (int | str): groups of those convolutions; 1
            (default) is the public code's full ``2C -> 2C`` convolution,
            ``'depthwise'`` (= ``2C`` groups) one 1-D filter per channel
            (``2C * k`` weights instead of ``(2C)^2 * k``).
        init_cfg (dict, optional): MMEngine init config.

    Shapes:
        ``forward(x)`` takes ``x`` of shape ``(B, C, h, w)``, or
        ``(B, h * w, C)`` with ``hw=(h, w)``, and returns ``(B, G, C)``.
        All intermediate maps keep ``(h, w)``; nothing depends on the grid
        size but the Sobel padding (zeros, ``sobel_size // 2``).
    """

    def __init__(self,
                 embed_dims: int,
                 num_tokens: int = 12,
                 sobel_size: int = 3,
                 dir_kernel_size: int = 3,
                 dir_conv_groups: Union[int, str] = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if int(num_tokens) < 1:
            raise ConfigError('num_tokens must be >= 1 (leave the gradient '
                              'tokens out with grad_tokens=None), got '
                              f'{num_tokens!r}')
        if dir_kernel_size % 2 != 1:
            raise ConfigError('dir_kernel_size must be odd, got '
                              f'{dir_kernel_size!r}')
        self.embed_dims = embed_dims
        self.num_tokens = int(num_tokens)
        self.sobel_size = sobel_size
        kx = sobel_kernel_2d(sobel_size).float()
        # fixed, not learned and not saved (they follow from sobel_size)
        self.register_buffer('sobel_x', kx[None, None], persistent=False)
        self.register_buffer(
            'sobel_y', kx.t().contiguous()[None, None], persistent=False)
        c2 = 2 * embed_dims
        if dir_conv_groups == 'depthwise':
            dir_conv_groups = c2
        if not isinstance(dir_conv_groups, int) or c2 % dir_conv_groups:
            raise ConfigError("dir_conv_groups must be 'depthwise' or an int "
                              f'dividing 2 * embed_dims = {c2}, got '
                              f'{dir_conv_groups!r}')
        self.conv_h = nn.Conv1d(
            c2,
            c2,
            dir_kernel_size,
            padding=dir_kernel_size // 2,
            groups=dir_conv_groups,
            bias=False)
        self.conv_w = nn.Conv1d(
            c2,
            c2,
            dir_kernel_size,
            padding=dir_kernel_size // 2,
            groups=dir_conv_groups,
            bias=False)
        self.proj = nn.Linear(c2, embed_dims)
        # 1x1 convolution C -> G: one spatial logit map per gradient token
        self.token_logits = nn.Linear(embed_dims, self.num_tokens)

    def gradients(self, x):
        """Depthwise Sobel of ``(B, C, h, w)`` -> ``(B, 2C, h, w)``:
        ``[Gx (C channels), Gy (C channels)]``, zero padding. ``C`` is
        ``embed_dims`` (a constant, so an ONNX export with a dynamic batch
        sees constant depthwise kernels)."""
        c = self.embed_dims
        pad = self.sobel_size // 2
        wx = self.sobel_x.to(x.dtype).repeat(c, 1, 1, 1)
        wy = self.sobel_y.to(x.dtype).repeat(c, 1, 1, 1)
        gx = F.conv2d(x, wx, padding=pad, groups=c)
        gy = F.conv2d(x, wy, padding=pad, groups=c)
        return torch.cat([gx, gy], dim=1)

    def weighted_gradients(self, x):
        """Steps 1-3: ``G * A`` of shape ``(B, 2C, h, w)`` and ``A``."""
        grad = self.gradients(x)
        att_h = torch.sigmoid(self.conv_h(grad.mean(dim=3)))  # (B, 2C, h)
        att_w = torch.sigmoid(self.conv_w(grad.mean(dim=2)))  # (B, 2C, w)
        att = att_h.unsqueeze(3) * att_w.unsqueeze(2)  # outer product
        return grad * att, att

    def forward(self,
                x: torch.Tensor,
                hw: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        if x.dim() == 3:
            if hw is None:
                raise ValueError('token input (B, N, C) needs hw=(h, w)')
            b, n, c = x.shape
            if n != hw[0] * hw[1]:
                raise ValueError(f'{n} tokens do not form a {hw} grid')
            x = x.transpose(1, 2).reshape(b, c, hw[0], hw[1])
        weighted, _ = self.weighted_gradients(x)
        feats = self.proj(weighted.flatten(2).transpose(1, 2))  # (B, N, C)
        weights = self.token_logits(feats).transpose(1, 2).softmax(dim=-1)
        return weights @ feats  # (B, G, C)
