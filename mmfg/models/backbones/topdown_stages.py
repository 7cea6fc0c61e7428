"""The resolution levels of :class:`TopDownNet` (Lelekas et al., "Top-Down
Networks: A coarse-to-fine reimagination of CNNs", CVPR-W 2020).

A network is a list of levels, one per spatial resolution, run in order.
Every level has the same call, ``level(x, pyramid)``:

* :class:`BUStage`, a bottom-up stage: ``x`` is the previous stage's
  features (or the stem's output); ``pyramid`` is unused.
* :class:`TDLevel`, a Top-Down level (Sec. 3, Fig. 2): ``x`` is the coarser
  level's features (``None`` for the coarsest level) and ``pyramid`` holds
  the blurred input images ``{factor: (N, C, H_f, W_f)}``; the level reads
  the image of its own factor.

The sub-module names (``pool``, ``branch``, ``up``, ``merge``, ``units``,
...) are those of the state dicts of every trained Top-Down checkpoint.
"""
from typing import Dict, Optional

import torch
import torch.nn as nn

from ..layers import TDMerge

Pyramid = Dict[int, torch.Tensor]


class ResidualUnits(nn.ModuleList):
    """Residual blocks run one after the other (state-dict keys
    ``units.{i}.*``; a list so that each block can be addressed, e.g. as a
    CAM target layer).

    Shapes: ``(N, C_in, H, W)`` -> ``(N, C_out, H', W')`` (see the blocks).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self:
            x = block(x)
        return x


class BUStage(nn.Module):
    """One stage of a bottom-up network: optional downsampling (conv
    families: 'SAME' max pooling then dropout; residual families stride in
    their first block instead), then the stage's units.

    Args:
        units (nn.Module): the stage's convolutions or residual blocks.
        pool (nn.Module, optional): max pooling between stages.
        drop (nn.Module, optional): dropout after the pooling (NIN).

    Shapes:
        ``(N, C_in, H, W)`` -> ``(N, C_out, ceil(H / s), ceil(W / s))``
        with ``s`` the stage's downsampling factor (1 for the first stage).
    """

    def __init__(self,
                 units: nn.Module,
                 pool: Optional[nn.Module] = None,
                 drop: Optional[nn.Module] = None) -> None:
        super().__init__()
        # registration order = the old checkpoints' order (pool first)
        self.pool = pool
        self.drop = drop
        self.units = units

    def forward(self,
                x: torch.Tensor,
                pyramid: Optional[Pyramid] = None) -> torch.Tensor:
        """``pyramid`` is accepted for the common level interface and
        ignored: a BU stage sees only the previous stage's features."""
        if self.pool is not None:
            x = self.pool(x)
        if self.drop is not None:
            x = self.drop(x)
        return self.units(x)


class TDLevel(nn.Module):
    """One level of a Top-Down network (Sec. 3, Fig. 2), coarse to fine.

    Steps, for the image ``I = pyramid[factor]`` of this level's scale:

    1. high-resolution branch ``h = branch(I)`` (the input convolution;
       ``h = I`` when there is none: the coarsest level of LeNetFC / NIN
       feeds the image to its units directly);
    2. coarsest level of ResNet18-TD only (``pre_branch``): the image at
       ``extra_factor`` (twice coarser) goes through ``pre_branch`` and is
       merged into ``h`` with ``pre_merge``, as in the reference
       ResNet18-TD;
    3. finer levels (``x`` given): upsampling of the coarser features
       (residual nets: the upsampling block ``up``; plain nets: inside
       ``merge``), the resolution merge :class:`TDMerge` (Sec. 3.2: 1x1
       conv, nearest upsampling, add, concat, 3x3 conv, BN before ReLU),
       then dropout (NIN);
    4. the level's units.

    Args:
        factor (int): downsampling of this level's input image w.r.t. the
            full-resolution image.
        units (nn.Module): the level's convolutions or residual blocks.
        branch (nn.Module, optional): input convolution of the image.
        merge (TDMerge, optional): merge of the coarser features (every
            level but the coarsest).
        up (nn.Module, optional): upsampling residual block (residual
            nets), called as ``up(x, size=h.shape[-2:])``.
        drop (nn.Module, optional): dropout after the merge (NIN).
        pre_branch (nn.Module, optional): input convolution of the extra
            coarser image (needs ``extra_factor`` and ``pre_merge``).
        pre_merge (TDMerge, optional): merge of ``pre_branch``'s output.
        extra_factor (int, optional): factor of the extra coarser image.

    Shapes:
        ``x``: ``(N, C_low, h, w)`` or None; ``pyramid[f]``:
        ``(N, C_img, ceil(H / f), ceil(W / f))``; output:
        ``(N, C_out, ceil(H / factor), ceil(W / factor))``.
    """

    def __init__(self,
                 factor: int,
                 units: nn.Module,
                 branch: Optional[nn.Module] = None,
                 merge: Optional[TDMerge] = None,
                 up: Optional[nn.Module] = None,
                 drop: Optional[nn.Module] = None,
                 pre_branch: Optional[nn.Module] = None,
                 pre_merge: Optional[TDMerge] = None,
                 extra_factor: Optional[int] = None) -> None:
        super().__init__()
        if (pre_branch is None) != (pre_merge is None) or (
                pre_branch is None) != (extra_factor is None):
            raise ValueError('pre_branch, pre_merge and extra_factor go '
                             'together')
        if up is not None and merge is None:
            raise ValueError('an upsampling block needs a merge')
        self.factor = factor
        self.extra_factor = extra_factor
        # registration order = the old checkpoints' order
        self.branch = branch
        self.pre_branch = pre_branch
        self.pre_merge = pre_merge
        self.up = up
        self.merge = merge
        self.drop = drop
        self.units = units

    @property
    def is_coarsest(self) -> bool:
        """True for the first level (no coarser features to merge)."""
        return self.merge is None

    def forward(self,
                x: Optional[torch.Tensor],
                pyramid: Optional[Pyramid] = None) -> torch.Tensor:
        """Run the level on the coarser features ``x`` (None for the
        coarsest level) and the input images ``pyramid``."""
        if pyramid is None:
            raise ValueError('a Top-Down level needs the input pyramid '
                             '({factor: image}), see '
                             'TopDownNet.input_pyramid')
        if (x is None) != self.is_coarsest:
            raise ValueError(
                'the coarsest Top-Down level takes x=None and every finer '
                f'level the coarser features; level 1/{self.factor} got '
                f"{'none' if x is None else 'features'}")
        image = pyramid[self.factor]
        high = image if self.branch is None else self.branch(image)
        if self.pre_branch is not None:
            coarse = self.pre_branch(pyramid[self.extra_factor])
            high = self.pre_merge(coarse, high)
        if x is None:
            x = high
        else:
            if self.up is not None:
                x = self.up(x, size=high.shape[-2:])
            x = self.merge(x, high)
            if self.drop is not None:
                x = self.drop(x)
        return self.units(x)
