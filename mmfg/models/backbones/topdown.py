"""Top-Down networks and their bottom-up baselines (Lelekas et al., "Top-Down
Networks: A coarse-to-fine reimagination of CNNs", CVPR-W 2020).

One generic builder turns a stage description (:mod:`.topdown_arch`) into
either the bottom-up (BU) network or its top-down (TD) mirror in one of the
three filter arrangements of the paper (Sec. 3.3).
"""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from mmfg.registry import MODELS
from ..layers import GaussianBlurPool, TDMerge
from .topdown_arch import ArchSpec, derive_levels, get_arch
from .topdown_blocks import BasicBlock, MaxPool2dSame, PreActBlock
from .topdown_stages import BUStage, ResidualUnits, TDLevel

_DEFAULT_INIT = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]


@MODELS.register_module()
class TopDownNet(BaseBackbone):
    """Bottom-up CNN or its coarse-to-fine Top-Down mirror.

    **BU** (``mode='bu'``): the baseline, fine to coarse: stages separated by
    max pooling (LeNetFC 2x2/2, NIN 3x3/2 followed by dropout) or by a
    strided first residual block.

    **TD** (``mode`` in ``'td'``, ``'td_uni'``, ``'td_rev'``; paper Sec. 3,
    Fig. 2): the network takes the full-resolution image, builds one input
    per stage resolution with :class:`GaussianBlurPool` (Sec. 3.1; factors
    1, 2, 4 for the paper's CIFAR/MNIST nets; TensorFlow's anti-aliased
    Gaussian resize of the reference models, sigma ``f / 2``) and runs the
    stages in reverse order, coarsest first:

    * coarsest level: the stage's convolutions (residual nets: the input
      convolution, then the blocks) on the coarsest input;
    * every finer level: an input convolution of that scale's image (the
      stage's first kernel and width; residual nets: the stem convolution
      with stride 1), the upsampling of the coarser features
      (nearest-neighbour; residual nets: the first block of the stage
      upsamples instead of striding), the resolution merge
      :class:`TDMerge` (Sec. 3.2: 1x1 conv, add, concat, 3x3 conv, BN before
      ReLU), dropout (NIN), then the stage's remaining units.

    Filter arrangements (Sec. 3.3): ``'td'`` keeps each stage's widths (they
    shrink with depth), ``'td_uni'`` uses one width everywhere, ``'td_rev'``
    gives depth ``d`` the widths of BU depth ``d``.

    Modules: ``stages`` holds one :class:`BUStage` per BU stage (fine to
    coarse) or one :class:`TDLevel` per TD level (coarse to fine), each
    called as ``level(x, pyramid)``; ``pyramid`` holds the TD inputs
    (:meth:`input_pyramid`, or given to :meth:`forward`).

    Classifier (what Table 1 counts): LeNetFC / NIN-light / NIN end with a
    1x1 convolution to the classes (+BN+ReLU, as in the reference code) and
    global average pooling, no linear layer: build them with
    ``num_classes=K`` and use ``GlobalAveragePooling`` + mmpretrain's
    parameter-free ``ClsHead``. ResNets use global average pooling + one
    linear layer: leave ``num_classes=None`` and use ``GlobalAveragePooling``
    + ``LinearClsHead``.

    Sizes: every downsampling by ``f`` gives ``ceil(H / f)`` pixels
    (TensorFlow 'SAME' convention of the reference code for BU pooling; the
    reference's blur inputs have ``floor(H / f)``, the same for the
    divisible sizes of every built-in configuration), and TD upsampling
    resizes (nearest) to the exact size of the next finer input, so any
    input size works; for sizes divisible by
    the total factor this is plain upsampling by 2. Built-in archs expect
    28x28 (MNIST: LeNetFC, NIN-light), 32x32 (CIFAR: NIN, ResNet32) or
    >= 32 px (ResNet18, e.g. 224-448).

    Args:
        arch (str | dict | ArchSpec): ``'lenetfc'``, ``'nin-light'``,
            ``'nin'``, ``'resnet32'``, ``'resnet18'``, or a custom
            description (dict of :class:`ArchSpec` fields).
        mode (str): ``'bu'``, ``'td'``, ``'td_uni'`` or ``'td_rev'``.
        in_channels (int): image channels (1 for MNIST, 3 for RGB).
        num_classes (int, optional): append the paper's class convolution
            (1x1 conv to ``num_classes`` channels). Defaults to None.
        class_conv_norm_act (bool): BN + ReLU after the class convolution,
            as in the reference code. Defaults to True.
        out_indices (Sequence[int]): which levels to return, in processing
            order (``-1``: the last one, after the final BN-ReLU of
            pre-activation nets and after the class convolution).
        blur_sigma (float, optional): Gaussian sigma of the input pyramid in
            units of the factor: ``sigma = blur_sigma * f``; default
            ``1 / 2`` (TensorFlow's Gaussian resize, the reference models).
        blur_padding (str): border handling of the blur
            (:class:`GaussianBlurPool` ``border``). Defaults to
            ``'renormalise'`` (TensorFlow's resize, the reference models).
        upsample_mode (str): ``'nearest'`` (paper) or ``'bilinear'``.
        drop_rate (float, optional): override the family's dropout.
        conv_bias (bool, optional): override the family's conv bias.
        norm_cfg, act_cfg (dict): normalisation / activation layers.

    Shapes:
        input ``(N, in_channels, H, W)``; output a tuple with one
        ``(N, C, H_l, W_l)`` map per ``out_indices``; for the last level
        ``H_l = ceil(H / F)`` with ``F`` the coarsest factor (BU), or
        ``H`` (TD: every TD network ends at the input resolution; for
        ``resnet18`` the blur-downsampled inputs replace the stride-4 stem,
        its levels are at 1/8, 1/4, 1/2 and 1, with one more input at 1/16
        merged into the coarsest level, as in the reference's
        ResNet18-TD).
    """

    def __init__(
            self,
            arch: Union[str, dict, ArchSpec] = 'lenetfc',
            mode: str = 'td',
            in_channels: int = 3,
            num_classes: Optional[int] = None,
            class_conv_norm_act: bool = True,
            out_indices: Sequence[int] = (-1, ),
            blur_sigma: Optional[float] = None,
            blur_padding: str = 'renormalise',
            upsample_mode: str = 'nearest',
            drop_rate: Optional[float] = None,
            conv_bias: Optional[bool] = None,
            norm_cfg: dict = dict(type='BN'),
            act_cfg: dict = dict(type='ReLU'),
            init_cfg: Optional[Union[dict,
                                     List[dict]]] = _DEFAULT_INIT) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = get_arch(arch)
        self.mode = mode
        self.level_specs = derive_levels(self.arch, mode)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.upsample_mode = upsample_mode
        self.drop_rate = (
            self.arch.drop_rate if drop_rate is None else drop_rate)
        self.conv_bias = (
            self.arch.conv_bias if conv_bias is None else conv_bias)
        self.norm_cfg, self.act_cfg = norm_cfg, act_cfg

        num_levels = len(self.level_specs)
        for i in out_indices:
            if not -num_levels <= i < num_levels:
                raise IndexError(f'out_indices entry {i} is out of range: '
                                 f'this network has {num_levels} levels')
        self.out_indices = sorted({i % num_levels for i in out_indices})

        # reserve the slot so that the stem comes first in module order
        # (module walks such as ERF reports follow registration order)
        self.add_module('stem', None)
        # BU: BUStage per stage, fine to coarse; TD: TDLevel per level,
        # coarse to fine (keys ``stages.{i}.*`` in both cases)
        self.stages = nn.ModuleList()
        self.extra_factor: Optional[int] = None
        with warnings.catch_warnings():
            # conv bias before BN is deliberate (reference code, Table 1)
            warnings.filterwarnings('ignore', 'Unnecessary conv bias')
            if mode == 'bu':
                self._build_bu()
            else:
                self._build_td(blur_sigma, blur_padding)
            self._build_tail(class_conv_norm_act)

    def _build_tail(self, class_conv_norm_act):
        norm_cfg, act_cfg = self.norm_cfg, self.act_cfg
        num_classes = self.num_classes
        num_levels = len(self.level_specs)
        last = self.level_specs[-1].channels[-1]
        self.final_norm = None
        if self.arch.block == 'preact':
            self.final_norm = nn.Sequential(
                build_norm_layer(norm_cfg, last)[1],
                build_activation_layer(act_cfg))
        self.class_conv = None
        if num_classes:
            self.class_conv = ConvModule(
                last,
                num_classes,
                1,
                bias=self.conv_bias,
                norm_cfg=norm_cfg if class_conv_norm_act else None,
                act_cfg=act_cfg if class_conv_norm_act else None)
            last = num_classes
        self.out_channels = [
            last if i == num_levels - 1 else self.level_specs[i].channels[-1]
            for i in self.out_indices
        ]

    # ------------------------------------------------------------------ build
    def _conv_bn_act(self, cin, cout, k, stride=1):
        return ConvModule(
            cin,
            cout,
            k,
            stride=stride,
            padding=k // 2,
            bias=self.conv_bias,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    def _conv_units(self, cin, level):
        """conv / mlpconv: conv-BN-ReLU per unit."""
        units = []
        for cout, k in zip(level.channels, level.kernels):
            units.append(self._conv_bn_act(cin, cout, k))
            cin = cout
        return nn.Sequential(*units)

    def _block(self, cin, cout, k, stride=1, upsample=False):
        cls = PreActBlock if self.arch.block == 'preact' else BasicBlock
        return cls(
            cin,
            cout,
            k,
            stride=stride,
            upsample=upsample,
            upsample_mode=self.upsample_mode,
            bias=self.conv_bias,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    def _input_conv(self, cout, stride=1):
        """Residual nets: the stem convolution (pre-activation: bare conv;
        basic: conv-BN-ReLU)."""
        stem = self.arch.stem
        bare = self.arch.block == 'preact'
        return ConvModule(
            self.in_channels,
            cout,
            stem.kernel,
            stride=stride,
            padding=stem.kernel // 2,
            bias=self.conv_bias,
            norm_cfg=None if bare else self.norm_cfg,
            act_cfg=None if bare else self.act_cfg)

    def _build_bu(self):
        arch = self.arch
        if arch.residual:
            stem = [self._input_conv(arch.stem.channels, arch.stem.stride)]
            if arch.stem.pool > 1:
                stem.append(nn.MaxPool2d(3, arch.stem.pool, padding=1))
            self.stem = nn.Sequential(*stem)
            cin = arch.stem.channels
        else:
            self.stem = None
            cin = self.in_channels
        for i, (stage, level) in enumerate(zip(arch.stages, self.level_specs)):
            pool = drop = None
            if arch.residual:
                blocks = []
                for j, cout in enumerate(level.channels):
                    stride = stage.factor if (i > 0 and j == 0) else 1
                    blocks.append(self._block(cin, cout, level.kernel, stride))
                    cin = cout
                units = ResidualUnits(blocks)
            else:
                if i > 0:
                    pool = MaxPool2dSame(arch.pool_kernel, stage.factor)
                    drop = nn.Dropout(self.drop_rate)
                units = self._conv_units(cin, level)
                cin = level.channels[-1]
            self.stages.append(BUStage(units, pool, drop))

    def _build_td(self, blur_sigma, blur_padding):
        arch = self.arch
        factors = sorted({lv.factor for lv in self.level_specs})
        # Residual nets with a downsampling stem (ResNet18): one more, twice
        # coarser input before the coarsest level, as in the reference's
        # ResNet18-TD (5 scales: 1/16 ... 1 of the image for its 4 stages).
        if arch.residual and arch.stem_stride > 1:
            self.extra_factor = 2 * factors[-1]
            factors.append(self.extra_factor)
        self.pyramid = nn.ModuleDict({
            str(f):
            GaussianBlurPool(f, None if blur_sigma is None else blur_sigma * f,
                             blur_padding)
            for f in factors if f > 1
        })
        order = 'pre' if arch.block == 'preact' else 'post'
        cin = None
        for j, level in enumerate(self.level_specs):
            width = level.channels[0]
            parts = dict(factor=level.factor)
            if arch.residual:
                parts['branch'] = self._input_conv(width)
                if j == 0 and self.extra_factor is not None:
                    # reference: conv of the 1/(2F) image, nearest
                    # upsampling, add + concat with the conv of the 1/F
                    # image, 3x3 conv (TDMerge without lateral 1x1)
                    parts.update(
                        pre_branch=self._input_conv(width),
                        pre_merge=self._merge(width, width, order),
                        extra_factor=self.extra_factor)
                if j == 0:
                    cin = width
                    channels = level.channels
                else:
                    parts['up'] = self._block(
                        cin, width, level.kernel, upsample=True)
                    parts['merge'] = self._merge(width, width, order)
                    cin = width
                    channels = level.channels[1:]
                blocks = []
                for cout in channels:
                    blocks.append(self._block(cin, cout, level.kernel))
                    cin = cout
                parts['units'] = ResidualUnits(blocks)
            else:
                if j == 0:
                    parts['units'] = self._conv_units(self.in_channels, level)
                else:
                    parts.update(
                        branch=self._conv_bn_act(self.in_channels, width,
                                                 level.kernel),
                        merge=self._merge(cin, width, order),
                        drop=nn.Dropout(self.drop_rate),
                        units=self._conv_units(width, level))
                cin = level.channels[-1]
            self.stages.append(TDLevel(**parts))

    def _merge(self, low, high, order):
        return TDMerge(
            low,
            high,
            high,
            3,
            order=order,
            upsample_mode=self.upsample_mode,
            conv_bias=self.conv_bias,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    # ---------------------------------------------------------------- forward
    def input_pyramid(self, x: torch.Tensor) -> Dict[int, torch.Tensor]:
        """TD inputs (Sec. 3.1): ``{factor: (N, C, ceil(H/f), ceil(W/f))}``,
        the image itself for factor 1 and :class:`GaussianBlurPool` of it
        for every coarser factor."""
        if self.mode == 'bu':
            raise ValueError('a bottom-up network has no input pyramid')
        out = {}
        for lv in self.level_specs:
            f = lv.factor
            if f not in out:
                out[f] = x if f == 1 else self.pyramid[str(f)](x)
        if self.extra_factor is not None:
            out[self.extra_factor] = self.pyramid[str(self.extra_factor)](x)
        return out

    def forward(
        self,
        x: torch.Tensor,
        pyramid: Optional[Dict[int, torch.Tensor]] = None
    ) -> Tuple[torch.Tensor, ...]:
        """Run the network.

        Args:
            x (Tensor): images ``(N, in_channels, H, W)``.
            pyramid (dict[int, Tensor], optional): TD modes only: the input
                of every scale, ``{factor: (N, in_channels, ceil(H/f),
                ceil(W/f))}`` with the keys of :meth:`input_pyramid`, used
                instead of ``input_pyramid(x)``; e.g. to feed a perturbed
                image to one scale and clean images to the others (Sec. 4.2,
                Fig. 5). Defaults to ``input_pyramid(x)``.

        Returns:
            tuple[Tensor]: one ``(N, C, H_l, W_l)`` map per ``out_indices``.
        """
        if self.mode == 'bu':
            if pyramid is not None:
                raise ValueError('pyramid is for Top-Down modes; a bottom-up '
                                 'network has one input')
            if self.stem is not None:
                x = self.stem(x)
        else:
            if pyramid is None:
                pyramid = self.input_pyramid(x)
            x = None  # the coarsest level starts from its image alone
        outs = []
        for level in self.stages:
            x = level(x, pyramid)
            outs.append(x)
        last = outs[-1]
        if self.final_norm is not None:
            last = self.final_norm(last)
        if self.class_conv is not None:
            last = self.class_conv(last)
        outs[-1] = last
        return tuple(outs[i] for i in self.out_indices)

    def train(self, mode: bool = True):
        """``nn.Module.train`` (returns ``self``; mmpretrain's base does
        not)."""
        super().train(mode)
        return self
