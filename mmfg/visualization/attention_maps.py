"""Class-token attention maps of GASA / MetaFG hybrids (the paper's Figs.
3-6: where the class token looks).

A map is the attention of a transformer stage's class token to that stage's
image tokens, averaged over the heads, either of one block (default: the
last block of the first transformer stage, the 1/16 grid at 384) or rolled
out over the stage's blocks (attention rollout, Abnar & Zuidema 2020:
``prod_l (0.5 A_l + 0.5 I)`` with rows renormalised, class-token row). The
gradient tokens and the class token itself are left out of the map: only the
image-token columns are kept, reshaped to the stage's ``(h, w)`` grid and
resized (bilinear) to the input's ``(H, W)``; feed the whole image resized
with its aspect (:func:`resize_keep_aspect`) and the map has the image's
aspect.
"""
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from mmfg.utils.errors import ConfigError


def _backbone(model):
    backbone = getattr(model, 'backbone', model)
    if not hasattr(backbone, 'attn_stages'):
        raise ConfigError(
            f'{type(backbone).__name__} has no transformer stages with class '
            'tokens: attention maps need a GASAHybrid backbone')
    return backbone


@contextmanager
def keep_attention(model):
    """Within the block every attention layer of ``model``'s GASAHybrid
    backbone computes its softmax explicitly and keeps it in ``last_attn``
    (and its grid in ``last_hw``); both are cleared on exit."""
    from mmfg.models.backbones.gasa_blocks import GASAAttention
    layers = [
        m for m in _backbone(model).modules() if isinstance(m, GASAAttention)
    ]
    for m in layers:
        m.keep_attn = True
    try:
        yield layers
    finally:
        for m in layers:
            m.keep_attn = False
            m.last_attn = None


@torch.no_grad()
def cls_attention_maps(model, inputs, stage=0, block=-1, rollout=False):
    """Class-token attention maps of a batch.

    Args:
        model (nn.Module): an ``ImageClassifier`` with a ``GASAHybrid``
            backbone, or the backbone itself (eval mode is set here).
        inputs (Tensor): ``(B, C, H, W)``, already normalised by the data
            preprocessor.
        stage (int): transformer stage, 0 (default, finer grid) or 1.
        block (int): block of that stage (ignored with ``rollout``).
        rollout (bool): attention rollout over the stage's blocks.

    Returns:
        Tensor: ``(B, H, W)`` maps, each min-max scaled to ``[0, 1]``.
    """
    backbone = _backbone(model)
    if stage not in (0, 1, -1, -2):
        raise ConfigError(f'stage must be 0 or 1, got {stage!r}')
    was_training = backbone.training
    backbone.eval()
    st = backbone.attn_stages[stage]
    try:
        with keep_attention(backbone):
            attn_all = []
            hooks = [
                blk.attn.register_forward_hook(lambda m, a, o: attn_all.append(
                    (m.last_attn, a[1]))) for blk in st.blocks
            ]
            try:
                backbone(inputs)
            finally:
                for h in hooks:
                    h.remove()
    finally:
        backbone.train(was_training)
    (h, w) = attn_all[0][1]
    e = st.num_extra
    if rollout:
        n = attn_all[0][0].shape[-1]
        eye = torch.eye(n, dtype=inputs.dtype, device=inputs.device)
        joint = None
        for attn, _ in attn_all:
            a = 0.5 * attn.mean(dim=1) + 0.5 * eye
            a = a / a.sum(dim=-1, keepdim=True)
            joint = a if joint is None else a @ joint
        row = joint[:, 0, e:]
    else:
        row = attn_all[block][0].mean(dim=1)[:, 0, e:]
    maps = row.reshape(-1, 1, h, w)
    maps = F.interpolate(
        maps, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
    maps = maps[:, 0]
    lo = maps.flatten(1).min(dim=1)[0][:, None, None]
    hi = maps.flatten(1).max(dim=1)[0][:, None, None]
    return (maps - lo) / (hi - lo).clamp_min(1e-12)


def resize_keep_aspect(img, short_edge, multiple=1):
    """Resize an ``(H, W[, C])`` image so that its short edge is
    ``short_edge`` (bicubic), keeping the aspect; the long edge is rounded
    to a multiple of ``multiple``."""
    import cv2
    h, w = img.shape[:2]
    s = short_edge / min(h, w)
    nh = max(multiple, int(round(h * s / multiple)) * multiple)
    nw = max(multiple, int(round(w * s / multiple)) * multiple)
    return cv2.resize(img, (nw, nh), interpolation=cv2.INTER_CUBIC)


def overlay_heatmap(img, amap, alpha=0.5):
    """``(H, W, 3)`` uint8 BGR image with a JET heat map of ``amap``
    (``(h, w)`` in ``[0, 1]``, resized to the image) blended in."""
    import cv2
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    amap = np.asarray(amap, np.float32)
    amap = cv2.resize(
        amap, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(
        np.uint8(np.clip(amap, 0, 1) * 255), cv2.COLORMAP_JET)
    return cv2.addWeighted(img, 1 - alpha, heat, alpha, 0)


def attention_rows(models,
                   images,
                   short_edge=None,
                   stage=0,
                   block=-1,
                   rollout=False):
    """Overlays for a figure: one list per model of ``(H_i, W_i, 3)`` BGR
    images, each of its input image's size.

    Args:
        models (list): classifiers with a GASAHybrid backbone and their data
            preprocessor (e.g. from :func:`mmfg.apis.init_model`).
        images (list[np.ndarray]): ``(H, W)`` grey or ``(H, W, 3)`` BGR
            uint8 images (as cv2 reads them), any size.
        short_edge (int, optional): network input short edge; default the
            backbone's ``img_size``.
        stage, block, rollout: see :func:`cls_attention_maps`.
    """
    rows = []
    for model in models:
        size = short_edge or min(model.backbone.img_size)
        pre = model.data_preprocessor
        row = []
        for img in images:
            net_in = resize_keep_aspect(img, size)
            if net_in.ndim == 2:
                net_in = net_in[..., None]
            x = torch.from_numpy(np.ascontiguousarray(net_in)).permute(2, 0, 1)
            data = pre(dict(inputs=[x], data_samples=None), False)
            amap = cls_attention_maps(
                model,
                data['inputs'],
                stage=stage,
                block=block,
                rollout=rollout)[0]
            row.append(overlay_heatmap(img, amap.cpu().numpy()))
        rows.append(row)
    return rows
