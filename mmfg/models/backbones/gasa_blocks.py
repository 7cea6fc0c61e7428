"""Transformer pieces of the GASA / MetaFG hybrid backbone: relative position
bias on an (h, w) grid with extra (position-free) tokens, multi-head
self-attention using it, and the pre-LN transformer block.

Relative position bias (MetaFormer / Swin style, paper Sec. 3.3): one
learned bias per head for every relative offset ``(dy, dx)`` between two
image tokens of an ``h0 x w0`` reference grid, i.e. a table of
``(2 h0 - 1)(2 w0 - 1)`` rows, plus ONE more row shared by every pair that
involves an extra token (the class token or a gradient token: they have no
position). MetaFormer allocates that extra row too but zero-pads its index,
so in its code the extra tokens use the bias of offset
``(-(h0-1), -(w0-1))`` and the extra row never trains; here it is used as
intended. The table has the same shape as MetaFormer's.

Grids other than the reference grid (another input size or aspect): offsets
are clipped to the table's range (Shaw et al. 2018), so a grid up to
``h0 x w0`` uses exactly the trained biases and a larger one reuses the edge
rows for the far offsets. ``h`` and ``w`` are independent: non-square
inputs work with a square table and vice versa.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model.weight_init import trunc_normal_


class RelativePositionBias(nn.Module):
    """Learned relative position bias for ``[extra tokens, h x w grid]``.

    Args:
        grid_size (tuple[int, int]): reference grid ``(h0, w0)``.
        num_heads (int): attention heads.

    ``forward(hw, num_extra)`` returns ``(num_heads, N, N)`` with
    ``N = num_extra + h * w``; the extra tokens come first.
    """

    def __init__(self, grid_size, num_heads):
        super().__init__()
        self.grid_size = tuple(int(s) for s in grid_size)
        h0, w0 = self.grid_size
        self.num_heads = num_heads
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * h0 - 1) * (2 * w0 - 1) + 1, num_heads))
        self._index_cache = {}

    def init_weights(self):
        trunc_normal_(self.relative_position_bias_table, std=.02)

    def relative_position_index(self, hw, num_extra, device=None):
        """``(N, N)`` long tensor of table rows (see the module doc)."""
        key = (int(hw[0]), int(hw[1]), int(num_extra), str(device))
        index = self._index_cache.get(key)
        if index is not None:
            return index
        h, w = key[:2]
        h0, w0 = self.grid_size
        ys, xs = torch.meshgrid(
            torch.arange(h), torch.arange(w), indexing='ij')
        ys, xs = ys.flatten(), xs.flatten()
        dy = (ys[:, None] - ys[None, :]).clamp(-(h0 - 1), h0 - 1) + h0 - 1
        dx = (xs[:, None] - xs[None, :]).clamp(-(w0 - 1), w0 - 1) + w0 - 1
        extra_row = (2 * h0 - 1) * (2 * w0 - 1)
        n = num_extra + h * w
        index = torch.full((n, n), extra_row, dtype=torch.long)
        index[num_extra:, num_extra:] = dy * (2 * w0 - 1) + dx
        index = index.to(device)
        self._index_cache[key] = index
        return index

    def forward(self, hw, num_extra):
        index = self.relative_position_index(
            hw, num_extra, self.relative_position_bias_table.device)
        n = index.shape[0]
        bias = self.relative_position_bias_table[index.view(-1)]
        return bias.view(n, n, self.num_heads).permute(2, 0, 1).contiguous()


class GASAAttention(nn.Module):
    """Multi-head self-attention with :class:`RelativePositionBias`.

    ``forward(x, hw, num_extra)`` with ``x`` of shape ``(B, N, C)``,
    ``N = num_extra + h * w``. By default the attention runs through
    ``F.scaled_dot_product_attention`` (which MMEngine's FLOP counter does
    not count: its figures are "without the attention matrix products",
    MetaFormer's convention). With ``keep_attn = True`` it is computed
    explicitly, the softmax map ``(B, heads, N, N)`` is kept in
    ``last_attn`` (for the attention-map visualisation) and the two matrix
    products are counted by the FLOP counter.
    """

    def __init__(self,
                 embed_dims,
                 num_heads,
                 grid_size,
                 qkv_bias=False,
                 attn_drop=0.,
                 proj_drop=0.):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.head_dims = embed_dims // num_heads
        self.scale = self.head_dims**-0.5
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.rel_pos = RelativePositionBias(grid_size, num_heads)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)
        self.keep_attn = False
        self.last_attn = None

    def forward(self, x, hw, num_extra):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        bias = self.rel_pos(hw, num_extra).unsqueeze(0).to(q.dtype)
        drop = self.attn_drop if self.training else 0.
        if self.keep_attn:
            attn = (q * self.scale) @ k.transpose(-2, -1) + bias
            attn = attn.softmax(dim=-1)
            self.last_attn = attn.detach()
            out = F.dropout(attn, drop, self.training) @ v
        else:
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=bias, dropout_p=drop, scale=self.scale)
        out = out.transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(out))


class GASATransformerBlock(nn.Module):
    """Pre-LN transformer block: ``x + DropPath(Attn(LN(x)))`` then
    ``x + DropPath(MLP(LN(x)))`` (MLP: Linear ``C -> rC``, GELU, Linear
    ``rC -> C``; mmcv's ``FFN``)."""

    def __init__(self,
                 embed_dims,
                 num_heads,
                 grid_size,
                 mlp_ratio=4.,
                 qkv_bias=False,
                 drop_rate=0.,
                 attn_drop_rate=0.,
                 drop_path_rate=0.,
                 norm_cfg=dict(type='LN'),
                 act_cfg=dict(type='GELU')):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims, eps=norm_cfg.get('eps', 1e-5))
        self.attn = GASAAttention(
            embed_dims,
            num_heads,
            grid_size,
            qkv_bias=qkv_bias,
            attn_drop=attn_drop_rate,
            proj_drop=drop_rate)
        self.drop_path = (
            DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity())
        self.norm2 = nn.LayerNorm(embed_dims, eps=norm_cfg.get('eps', 1e-5))
        self.ffn = FFN(
            embed_dims=embed_dims,
            feedforward_channels=int(embed_dims * mlp_ratio),
            num_fcs=2,
            act_cfg=act_cfg,
            ffn_drop=drop_rate,
            dropout_layer=(dict(type='DropPath', drop_prob=drop_path_rate)
                           if drop_path_rate > 0 else None),
            add_identity=True)

    def forward(self, x, hw, num_extra):
        x = x + self.drop_path(self.attn(self.norm1(x), hw, num_extra))
        return self.ffn(self.norm2(x), identity=x)
