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

Step 4's token layer (``token_layer``):

* ``'position'`` (default, the paper and the public code bingbeu/GASA): a
  ``Conv1d(N -> G, kernel 1)`` over the token axis, i.e. token ``g`` is
  ``sum_n W[g, n] y_n + b[g]`` with one weight per gradient token and grid
  position, so every token mixes the ``N = h * w`` projected gradient vectors
  in its own spatial pattern. The public code creates that convolution inside
  ``forward`` (new random weights at every call, never trained nor saved) and
  for one ``N`` only; here its weights are parameters stored on a reference
  grid (``grid_size``, the stage's grid at the config's ``img_size``),
  initialised as ``nn.Conv1d`` does (uniform in ``+-1/sqrt(N)``), trained and
  saved. On another grid the weight maps are resized bilinearly and scaled by
  ``N_ref / N`` so that a token keeps its magnitude (as position embeddings
  are resized for another input size).
* ``'softmax_pool'`` (mmfg before 2026-12, kept for the ablation that shows
  why it was replaced): a 1x1 convolution ``C -> G`` gives one logit map per
  token and a softmax over the positions turns it into weights (TokenLearner
  pooling, Ryoo et al. 2021). Its logits start near zero, so every token
  starts as the spatial mean of the projected gradients, and training keeps
  them near-identical (pairwise cosine 0.98-0.999 measured on the tiny
  configs): the G tokens are in effect one token.
"""
from math import comb, sqrt
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from mmfg.utils.errors import ConfigError

SOBEL_SIZES = (3, 5, 7)
#: the token layers of step 4 (see the module docstring)
TOKEN_LAYERS = ('position', 'softmax_pool')


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
        token_layer (str): step 4, ``'position'`` (the paper's
            position-specific ``Conv1d(N -> G, 1)``, default) or
            ``'softmax_pool'`` (the earlier TokenLearner-style pooling, an
            ablation; see the module docstring).
        grid_size (int | tuple[int, int], optional): the reference grid
            ``(h, w)`` on which the position weights are stored (needed by
            ``'position'``; :class:`~mmfg.models.backbones.GASAHybrid` passes
            each stage's grid at its ``img_size``).
        init_cfg (dict, optional): MMEngine init config.

    Shapes:
        ``forward(x)`` takes ``x`` of shape ``(B, C, h, w)``, or
        ``(B, h * w, C)`` with ``hw=(h, w)``, and returns ``(B, G, C)``.
        All intermediate maps keep ``(h, w)``. With ``'position'`` the token
        weights ``(G, h_ref, w_ref)`` are resized to ``(h, w)`` when the
        grids differ; with ``'softmax_pool'`` nothing depends on the grid.
    """

    def __init__(self,
                 embed_dims: int,
                 num_tokens: int = 12,
                 sobel_size: int = 3,
                 dir_kernel_size: int = 3,
                 dir_conv_groups: Union[int, str] = 1,
                 token_layer: str = 'position',
                 grid_size: Optional[Union[int, Sequence[int]]] = None,
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
        if token_layer not in TOKEN_LAYERS:
            raise ConfigError(f'token_layer must be one of {TOKEN_LAYERS}, '
                              f'got {token_layer!r}')
        self.token_layer = token_layer
        if token_layer == 'position':
            if grid_size is None:
                raise ConfigError(
                    "token_layer='position' needs grid_size=(h, w), the grid "
                    'its weights are stored on (GASAHybrid passes each '
                    "stage's grid; or use token_layer='softmax_pool')")
            gh, gw = ((grid_size,
                       grid_size) if isinstance(grid_size, int) else tuple(
                           int(v) for v in grid_size))
            if gh < 1 or gw < 1:
                raise ConfigError(f'grid_size must be positive, got '
                                  f'{grid_size!r}')
            # Conv1d(N -> G, kernel 1) over the token axis, weights kept as
            # (G, h_ref, w_ref) maps so that they can follow another grid
            self.token_weight = nn.Parameter(
                torch.empty(self.num_tokens, gh, gw))
            self.token_bias = nn.Parameter(torch.empty(self.num_tokens))
            self.reset_token_layer()
        else:
            # 1x1 convolution C -> G: one spatial logit map per token
            self.token_logits = nn.Linear(embed_dims, self.num_tokens)

    def reset_token_layer(self):
        """``nn.Conv1d``'s initialisation of the position-specific layer:
        weights and bias uniform in ``+-1/sqrt(N_ref)``."""
        bound = 1.0 / sqrt(self.token_weight[0].numel())
        with torch.no_grad():
            self.token_weight.uniform_(-bound, bound)
            self.token_bias.uniform_(-bound, bound)

    def position_weights(self, h: int, w: int) -> torch.Tensor:
        """Weights ``(G, h * w)`` of the position-specific layer on an
        ``(h, w)`` grid: the stored maps, or, on another grid, the maps
        resized bilinearly and scaled by ``N_ref / N``."""
        weight = self.token_weight
        ref_h, ref_w = weight.shape[1], weight.shape[2]
        if (h, w) != (ref_h, ref_w):
            weight = F.interpolate(
                weight[None],
                size=(h, w),
                mode='bilinear',
                align_corners=False)[0] * (
                    ref_h * ref_w / float(h * w))
        return weight.flatten(1)

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
        if self.token_layer == 'position':
            weights = self.position_weights(x.shape[2], x.shape[3])
            # (G, N) @ (B, N, C) + (G, 1) -> (B, G, C)
            return weights.to(feats.dtype) @ feats + \
                self.token_bias.to(feats.dtype)[:, None]
        weights = self.token_logits(feats).transpose(1, 2).softmax(dim=-1)
        return weights @ feats  # (B, G, C)
