"""Class-token attention maps of GASA models (mmfg/visualization/
attention_maps.py, tools/visualization/gasa_attention_map.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmfg.registry import MODELS
from mmfg.utils import register_all_modules
from mmfg.visualization.attention_maps import (cls_attention_maps,
                                               resize_keep_aspect)
from ..conftest import REPO, run_tool

register_all_modules()
CFG = osp.join(REPO, 'configs', 'gasa', 'gasa_tiny_1xb64_fashion-mnist.py')


def _model(num_tokens=4):
    torch.manual_seed(0)
    m = MODELS.build(
        dict(
            type='GASAHybrid',
            arch='tiny',
            in_channels=1,
            img_size=28,
            grad_tokens=dict(num_tokens=num_tokens)))
    m.init_weights()
    return m.eval()


@pytest.mark.parametrize('size', [(40, 96), (96, 40), (32, 32)])
def test_map_has_the_input_aspect_and_matches_manual_attention(size):
    m = _model()
    x = torch.randn(2, 1, *size)
    maps = cls_attention_maps(m, x)
    assert maps.shape == (2, *size)
    assert maps.min() >= 0 and maps.max() <= 1
    # manual reference: the last block of stage 0, from its input
    blk = m.attn_stages[0].blocks[-1]
    seen = {}
    hook = blk.attn.register_forward_pre_hook(
        lambda mod, args: seen.update(x=args[0], hw=args[1]))
    with torch.no_grad():
        m(x)
    hook.remove()
    h, w = seen['hw']
    assert (h, w) == (-(-size[0] // 8), -(-size[1] // 8))
    t = seen['x']
    b, n, c = t.shape
    heads = blk.attn.num_heads
    qkv = t @ blk.attn.qkv.weight.t()
    q, k = qkv[..., :c], qkv[..., c:2 * c]
    q = q.reshape(b, n, heads, -1).permute(0, 2, 1, 3)
    k = k.reshape(b, n, heads, -1).permute(0, 2, 1, 3)
    logits = torch.einsum('bhid,bhjd->bhij', q, k) / (c // heads)**0.5
    logits = logits + blk.attn.rel_pos((h, w), 5)
    row = logits.softmax(-1).mean(1)[:, 0, 5:].reshape(b, 1, h, w)
    ref = F.interpolate(
        row, size=size, mode='bilinear', align_corners=False)[:, 0]
    lo = ref.flatten(1).min(1)[0][:, None, None]
    hi = ref.flatten(1).max(1)[0][:, None, None]
    torch.testing.assert_close(
        maps, (ref - lo) / (hi - lo), atol=1e-5, rtol=1e-4)
    # the attention layers are back to the fast path, nothing kept
    assert not blk.attn.keep_attn and blk.attn.last_attn is None


def test_rollout_and_second_stage():
    m = _model(num_tokens=2)
    x = torch.randn(1, 1, 48, 24)
    r = cls_attention_maps(m, x, rollout=True)
    s = cls_attention_maps(m, x, stage=1)
    assert r.shape == s.shape == (1, 48, 24)
    assert torch.isfinite(r).all() and torch.isfinite(s).all()


def test_resize_keep_aspect():
    img = np.zeros((50, 100, 3), np.uint8)
    assert resize_keep_aspect(img, 28).shape == (28, 56, 3)


@pytest.mark.tools
def test_tool_writes_overlays_with_the_image_aspect(tmp_path):
    import cv2
    rng = np.random.default_rng(0)
    paths = []
    for k, (h, w) in enumerate([(30, 70), (60, 20)]):
        p = str(tmp_path / f'img{k}.png')
        cv2.imwrite(p, rng.integers(0, 255, (h, w), dtype=np.uint8))
        paths.append(p)
    out = str(tmp_path / 'att.png')
    res = run_tool([
        'tools/visualization/gasa_attention_map.py', *paths, '--model', CFG,
        'none', '--model',
        CFG.replace('.py', '-no-grad-tokens.py'), 'none', '--out', out
    ])
    assert res.returncode == 0, res.stdout + res.stderr
    grid = cv2.imread(out)
    # 2 columns (max width 70), 3 rows (images, 2 models; max height 60)
    assert grid.shape == (3 * (60 + 4) + 4, 2 * (70 + 4) + 4, 3)

    from mmfg.apis.model import init_model
    from mmfg.visualization.attention_maps import attention_rows
    model = init_model(CFG)
    imgs = [cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in paths]
    rows = attention_rows([model], imgs)
    assert [o.shape[:2] for o in rows[0]] == [(30, 70), (60, 20)]
