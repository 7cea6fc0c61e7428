"""Resolution merge of Top-Down networks (Lelekas et al., Sec. 3.2, Fig. 3).

After every upsampling step a TD network merges the "hallucinated" upsampled
features with features computed from the next finer input image:

1. the low-resolution features go through a 1x1 convolution that gives them
   the channel count of the high-resolution branch (only when the counts
   differ: the paper's parameter counts, e.g. LeNetFC TD_uni, have no 1x1
   convolution there) and are upsampled with nearest-neighbour interpolation
   to the size of the high-resolution branch;
2. element-wise addition with the high-resolution branch;
3. concatenation with the (original) high-resolution branch on the channel
   axis;
4. a 3x3 convolution that widens the receptive field, with Batch
   Normalization before the non-linearity (``order='post'``:
   conv-BN-ReLU, plain/NIN networks; ``order='pre'``: BN-ReLU-conv,
   pre-activation ResNets, as in the reference code).

The 1x1 convolution (with its BN and ReLU) is applied at the low resolution,
before the upsampling: for nearest-neighbour upsampling by an integer factor
this is the same function as upsampling first (every value is repeated the
same number of times, so even the batch statistics of BN are unchanged) and
it costs ``factor**2`` times less.
"""
import warnings
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmfg.registry import MODELS

_ORDERS = {'post': ('conv', 'norm', 'act'), 'pre': ('norm', 'act', 'conv')}


@MODELS.register_module()
class TDMerge(BaseModule):
    """Merge low-resolution features into a high-resolution branch.

    Args:
        low_channels (int): channels ``C_l`` of the low-resolution input.
        high_channels (int): channels ``C_h`` of the high-resolution branch.
        out_channels (int): channels of the output.
        kernel_size (int): kernel of the fusing convolution. Defaults to 3.
        order (str): ``'post'`` (conv-BN-ReLU) or ``'pre'`` (BN-ReLU-conv),
            for the 1x1 and the fusing convolution.
        upsample_mode (str): interpolation for the upsampling; the paper uses
            ``'nearest'`` (more robust to adversarial attacks than bilinear).
        conv_bias (bool): convolutions keep a bias even before BN (the
            reference code does, and it counts in the paper's Table 1;
            :class:`TopDownNet` sets it per family). Defaults to False.
        norm_cfg, act_cfg (dict): as in :class:`mmcv.cnn.ConvModule`.

    Shapes:
        low ``(N, C_l, h, w)``, high ``(N, C_h, H, W)`` ->
        ``(N, out_channels, H, W)``. The upsampling goes to exactly
        ``(H, W)`` (for ``H = f h`` that is upsampling by ``f``; for sizes
        that are not multiples, nearest-neighbour resizing to ``(H, W)``).
    """

    def __init__(self,
                 low_channels: int,
                 high_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 order: str = 'post',
                 upsample_mode: str = 'nearest',
                 conv_bias: bool = False,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if order not in _ORDERS:
            raise ValueError(f"order must be 'post' or 'pre', got {order!r}")
        self.upsample_mode = upsample_mode
        self.order = order
        common = dict(
            bias=conv_bias,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            order=_ORDERS[order])
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', 'Unnecessary conv bias')
            if low_channels != high_channels:
                self.lateral = ConvModule(low_channels, high_channels, 1,
                                          **common)
            else:
                self.lateral = None
            self.fuse = ConvModule(
                2 * high_channels,
                out_channels,
                kernel_size,
                padding=kernel_size // 2,
                **common)

    def upsample(self, x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        """Resize ``x`` ``(N, C, h, w)`` to ``size`` ``(H, W)``."""
        if tuple(x.shape[-2:]) == tuple(size):
            return x
        if self.upsample_mode == 'nearest':
            return F.interpolate(x, size=size, mode='nearest')
        return F.interpolate(
            x, size=size, mode=self.upsample_mode, align_corners=False)

    def forward(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        if self.lateral is not None:
            low = self.lateral(low)
        low = self.upsample(low, high.shape[-2:])
        x = torch.cat([low + high, high], dim=1)
        return self.fuse(x)
