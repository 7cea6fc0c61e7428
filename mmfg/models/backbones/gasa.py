"""GASA hybrid backbone (Ma et al., "Gradient-Aware Spatial Attention for
Fine-Grained Image Recognition", Sec. 3), on MetaFormer's MetaFG hybrid
(Diao et al. 2022).

Pipeline (paper Fig. 2, Sec. 3.1-3.3; sizes of the default ``'metafg-2'``
arch at 384x384):

* stem: conv 3x3/2 ``3 -> 96``, conv 3x3 ``96 -> 128``, conv 3x3
  ``128 -> 128`` (BN + ReLU after each), max pool 3x3/2 -> 96x96;
* conv stages: MBConv + squeeze-excitation blocks (mmpretrain's
  ``InvertedResidual`` + ``SELayer``: 1x1 expand x4, BN, Swish, depthwise
  3x3, BN, Swish, SE squeezing to 0.25 x the block *input* channels with
  Swish / sigmoid, 1x1 project, BN; BN eps 1e-2), 2 blocks at 128 (96x96),
  6 at 256 (the first with stride 2, 48x48);
* transformer stages (Token Collaborative Encoding, Sec. 3.3): each opened
  by an overlapping patch embedding (conv 3x3/2 + LN, mmcv's ``PatchEmbed``;
  512 at 24x24, 1024 at 12x12); the sequence is ``[class token, G gradient
  tokens, image tokens]``; pre-LN blocks with 8 heads, no qkv bias, MLP
  ratio 4 (GELU) and relative position bias (:mod:`.gasa_blocks`), 14 blocks
  at 512 and 2 at 1024. The gradient tokens (:class:`GradientTokenizer`,
  Sec. 3.2) are computed from the patch-embedded image tokens at the start
  of each stage: stage 4 gets a new class token and *recomputed* gradient
  tokens from its own patch embedding of stage 3's image tokens;
* aggregation: stage-3 class token (LN, MLP ``512 -> 512 -> 1024``, LN) and
  stage-4 class token (LN) fused by a 1x1 ``Conv1d`` over the two tokens,
  then LN. The backbone returns this ``(B, 1024)`` vector; the classifier's
  ``LinearClsHead`` is the final linear layer.

Drop path rises linearly from 0 to ``drop_path_rate`` over all MBConv and
transformer blocks (24 for metafg-2), as in MetaFG.

``grad_tokens=None`` gives the plain hybrid (MetaFG without meta data, the
paper's baseline, Table 6). Any input size and aspect works: every
downsampling gives ``ceil(size / 2)`` and the relative position bias handles
any ``(h, w)`` grid (see :mod:`.gasa_blocks`); the gradient tokens' position
weights are resized to it (see :mod:`mmfg.models.layers.gradient_tokens`).
"""
import copy
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import InvertedResidual

from mmfg.registry import MODELS
from mmfg.utils.errors import ConfigError
from ..layers.gradient_tokens import GradientTokenizer
from .gasa_blocks import GASATransformerBlock


def _arch(stem,
          conv_dims,
          conv_depths,
          attn_dims,
          attn_depths,
          num_heads,
          stem_pool=True):
    return dict(
        stem_channels=stem,
        conv_dims=conv_dims,
        conv_depths=conv_depths,
        attn_dims=attn_dims,
        attn_depths=attn_depths,
        num_heads=num_heads,
        stem_pool=stem_pool)


class _TransformerStage(nn.Module):
    """Patch embedding, class token, optional gradient tokens, blocks."""

    def __init__(self, in_channels, embed_dims, depth, num_heads, grid_size,
                 dprs, grad_tokens, mlp_ratio, qkv_bias, drop_rate,
                 attn_drop_rate):
        super().__init__()
        self.patch_embed = PatchEmbed(
            in_channels=in_channels,
            embed_dims=embed_dims,
            kernel_size=3,
            stride=2,
            padding=1,
            norm_cfg=dict(type='LN'))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        if grad_tokens is not None:
            cfg = copy.deepcopy(grad_tokens)
            cfg.setdefault('type', 'GradientTokenizer')
            cfg['embed_dims'] = embed_dims
            if cfg['type'] in ('GradientTokenizer', GradientTokenizer):
                cfg.setdefault('grid_size', grid_size)
            self.grad_tokens = MODELS.build(cfg)
            self.num_extra = 1 + self.grad_tokens.num_tokens
        else:
            self.grad_tokens = None
            self.num_extra = 1
        self.blocks = nn.ModuleList([
            GASATransformerBlock(
                embed_dims,
                num_heads,
                grid_size,
                mlp_ratio=mlp_ratio,
                qkv_bias=qkv_bias,
                drop_rate=drop_rate,
                attn_drop_rate=attn_drop_rate,
                drop_path_rate=dprs[i]) for i in range(depth)
        ])

    def forward(self, x):
        """``(B, C_in, H, W)`` -> tokens ``(B, E + h w, C)`` and ``(h, w)``,
        ``E = self.num_extra`` extra tokens first (class token at 0)."""
        tokens, hw = self.patch_embed(x)
        extra = [self.cls_token.expand(tokens.shape[0], -1, -1)]
        if self.grad_tokens is not None:
            extra.append(self.grad_tokens(tokens, hw))
        x = torch.cat(extra + [tokens], dim=1)
        for block in self.blocks:
            x = block(x, hw, self.num_extra)
        return x, hw


@MODELS.register_module()
class GASAHybrid(BaseBackbone):
    """Conv + transformer hybrid with optional gradient tokens (GASA).

    Args:
        arch (str | dict): a name of :attr:`arch_zoo` or a dict with its
            keys: ``stem_channels`` (the first two stem convs; the third
            outputs ``conv_dims[0]``), ``conv_dims`` / ``conv_depths`` (MBConv
            stages), ``attn_dims`` / ``attn_depths`` (the two transformer
            stages), ``num_heads``, ``stem_pool`` (the stem's max pooling).
            Built in: ``'metafg-0'``, ``'metafg-1'``, ``'metafg-2'``
            (MetaFormer's MetaFG sizes; GASA uses metafg-2) and ``'tiny'``
            (small images such as 28-64 px Fashion-MNIST: narrow, shallow,
            no stem pooling, so the transformer stages run at 1/8 and 1/16).
        in_channels (int): image channels. Defaults to 3.
        img_size (int | tuple[int, int]): training input size ``(H, W)``;
            fixes the reference grid of the relative position tables
            (``H/16 x W/16`` and ``H/32 x W/32`` with stem pooling). Other
            sizes still work (offsets are clipped to the tables). Defaults
            to 384.
        grad_tokens (dict, optional): config of the gradient tokenizer
            (``type`` defaults to ``'GradientTokenizer'``; ``embed_dims`` and
            the reference ``grid_size`` of its position-specific token layer
            are filled in per stage, the latter from ``img_size``), e.g.
            ``dict(num_tokens=12, sobel_size=3)``.
            None: no gradient tokens (the plain hybrid baseline). Defaults to
            ``dict(num_tokens=12)``.
        mlp_ratio (float): transformer MLP ratio. Defaults to 4.
        mbconv_expand (int): MBConv expansion. Defaults to 4.
        qkv_bias (bool): Defaults to False (MetaFG).
        drop_rate (float): dropout in attention projection / MLP. Defaults
            to 0.
        attn_drop_rate (float): attention dropout. Defaults to 0.
        drop_path_rate (float): maximal stochastic depth, reached linearly
            at the last block. Defaults to 0.1.
        fuse_cls (bool): fuse both stages' class tokens (paper); False uses
            the last stage's class token only (MetaFG's ``only_last_cls``).
        frozen_stages (int): freeze the stem and the first ``n`` stages
            (0: none, 1: stem and first MBConv stage, ... 4: everything but
            the aggregation). Defaults to 0.
        init_cfg (dict | list, optional): MetaFG's initialisation by default.

    Shapes:
        input ``(B, in_channels, H, W)``; output a 1-tuple with the fused
        class feature ``(B, attn_dims[-1])``.
    """
    arch_zoo = {
        'metafg-0':
        _arch((48, 64), (96, 192), (2, 3), (384, 768), (5, 2), 8),
        'metafg-1':
        _arch((48, 64), (96, 192), (2, 6), (384, 768), (14, 2), 8),
        'metafg-2':
        _arch((96, 128), (128, 256), (2, 6), (512, 1024), (14, 2), 8),
        'tiny':
        _arch((16, 24), (24, 32), (1, 1), (64, 128), (2, 1),
              4,
              stem_pool=False),
    }

    def __init__(
        self,
        arch: Union[str, dict] = 'metafg-2',
        in_channels: int = 3,
        img_size: Union[int, Tuple[int, int]] = 384,
        grad_tokens: Optional[dict] = dict(num_tokens=12),
        mlp_ratio: float = 4.,
        mbconv_expand: int = 4,
        qkv_bias: bool = False,
        drop_rate: float = 0.,
        attn_drop_rate: float = 0.,
        drop_path_rate: float = 0.1,
        fuse_cls: bool = True,
        frozen_stages: int = 0,
        init_cfg: Optional[Union[dict, List[dict]]] = [
            dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
            dict(
                type='Kaiming',
                layer='Conv2d',
                mode='fan_out',
                nonlinearity='relu'),
            dict(
                type='Constant',
                layer=['LayerNorm', '_BatchNorm'],
                val=1.,
                bias=0.)
        ]
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ConfigError(f'unknown GASAHybrid arch {arch!r}; '
                                  f'choose from {sorted(self.arch_zoo)} or '
                                  'give a dict')
            arch = self.arch_zoo[arch]
        else:
            missing = {k
                       for k in self.arch_zoo['tiny']
                       if k != 'stem_pool'} - set(arch)
            if missing:
                raise ConfigError(
                    f'custom GASAHybrid arch lacks {sorted(missing)}')
        self.arch_settings = dict(arch)
        stem = tuple(arch['stem_channels'])
        conv_dims, conv_depths = arch['conv_dims'], arch['conv_depths']
        attn_dims, attn_depths = arch['attn_dims'], arch['attn_depths']
        num_heads = arch['num_heads']
        stem_pool = arch.get('stem_pool', True)
        if isinstance(img_size, int):
            img_size = (img_size, img_size)
        self.img_size = tuple(img_size)
        self.fuse_cls = fuse_cls
        self.frozen_stages = frozen_stages
        self.with_grad_tokens = grad_tokens is not None

        depths = list(conv_depths) + list(attn_depths)
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        dprs = [dpr[sum(depths[:i]):sum(depths[:i + 1])] for i in range(4)]

        norm_bn = dict(type='BN')
        self.stem = nn.Sequential(
            ConvModule(
                in_channels,
                stem[0],
                3,
                stride=2,
                padding=1,
                bias=False,
                norm_cfg=norm_bn),
            ConvModule(
                stem[0], stem[1], 3, padding=1, bias=False, norm_cfg=norm_bn),
            ConvModule(
                stem[1],
                conv_dims[0],
                3,
                padding=1,
                bias=False,
                norm_cfg=norm_bn),
            nn.MaxPool2d(3, stride=2, padding=1)
            if stem_pool else nn.Identity())
        stride0 = 4 if stem_pool else 2

        self.conv_stages = nn.ModuleList()
        in_ch = conv_dims[0]
        for i, (dims, depth) in enumerate(zip(conv_dims, conv_depths)):
            blocks = []
            for j in range(depth):
                cin = in_ch if j == 0 else dims
                blocks.append(
                    InvertedResidual(
                        cin,
                        dims,
                        cin * mbconv_expand,
                        kernel_size=3,
                        stride=2 if (j == 0 and i > 0) else 1,
                        se_cfg=dict(
                            channels=cin * mbconv_expand,
                            squeeze_channels=max(1, int(cin * 0.25)),
                            act_cfg=(dict(type='Swish'),
                                     dict(type='Sigmoid'))),
                        norm_cfg=dict(type='BN', eps=1e-2),
                        act_cfg=dict(type='Swish'),
                        drop_path_rate=dprs[i][j]))
            self.conv_stages.append(nn.Sequential(*blocks))
            in_ch = dims

        self.attn_stages = nn.ModuleList()
        factor = stride0 * 2**len(conv_dims)
        for i, (dims, depth) in enumerate(zip(attn_dims, attn_depths)):
            grid = tuple(max(1, -(-s // factor)) for s in self.img_size)
            self.attn_stages.append(
                _TransformerStage(
                    in_ch,
                    dims,
                    depth,
                    num_heads,
                    grid,
                    dprs[2 + i],
                    grad_tokens,
                    mlp_ratio,
                    qkv_bias,
                    drop_rate,
                    attn_drop_rate,
                ))
            in_ch = dims
            factor *= 2

        d3, d4 = attn_dims
        self.norm_cls2 = nn.LayerNorm(d4)
        if fuse_cls:
            self.norm_cls1 = nn.LayerNorm(d3)
            self.cls1_fc = nn.Sequential(
                nn.Linear(d3, d3), nn.GELU(), nn.Linear(d3, d4),
                nn.LayerNorm(d4))
            self.aggregate = nn.Conv1d(2, 1, kernel_size=1)
            self.norm = nn.LayerNorm(d4)
        self.out_channels = d4
        self._freeze_stages()

    @property
    def num_extra_tokens(self):
        return [s.num_extra for s in self.attn_stages]

    def init_weights(self):
        super().init_weights()
        if (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            return
        for stage in self.attn_stages:
            trunc_normal_(stage.cls_token, std=.02)
            for block in stage.blocks:
                block.attn.rel_pos.init_weights()

    def _freeze_stages(self):
        modules = [self.stem, *self.conv_stages, *self.attn_stages]
        for m in modules[:self.frozen_stages + (self.frozen_stages > 0)]:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self

    def forward_tokens(self,
                       x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Everything up to the class tokens: returns ``(cls3, cls4)``, the
        raw class tokens of the two transformer stages, ``(B, C)`` each."""
        x = self.stem(x)
        for stage in self.conv_stages:
            x = stage(x)
        stage3, stage4 = self.attn_stages
        tokens, (h, w) = stage3(x)
        cls3 = tokens[:, 0]
        img = tokens[:, stage3.num_extra:]
        img = img.transpose(1, 2).reshape(img.shape[0], -1, h, w)
        tokens, _ = stage4(img)
        return cls3, tokens[:, 0]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        cls3, cls4 = self.forward_tokens(x)
        cls4 = self.norm_cls2(cls4)
        if not self.fuse_cls:
            return (cls4, )
        cls3 = self.cls1_fc(self.norm_cls1(cls3))
        fused = self.aggregate(torch.stack([cls3, cls4], dim=1)).squeeze(1)
        return (self.norm(fused), )
