"""A readable picture of one prediction: the image enlarged to a viewable
size, the boxes the model used, and a panel with the top-k classes and
their scores (``tools/test.py --show-dir``, the demo, the inferencer).

Geometry (:func:`display_size`): the image is enlarged so that its short
side is at least ``min_side`` and shrunk so that its long side is at most
``max_side``; when both cannot hold (a very elongated image) ``max_side``
wins. An enlargement of 2x or more is by a whole factor, nearest
neighbour, so each input pixel becomes a crisp square; a smaller one is
bilinear and a reduction is by pixel area (OpenCV ``INTER_AREA``).

Boxes follow :mod:`mmfg.datasets.transforms.coords`: ``x1, y1, x2, y2``
in continuous pixels of the input image (pixel ``i`` spans
``[i, i + 1)``), so a box covers the pixels ``x1 .. x2 - 1``; after an
enlargement by ``s`` it covers ``round(s * x1) .. round(s * x2) - 1`` and
its frame is drawn inside that range.

Text is OpenCV's Hershey font (no font file, no download) at a fixed
size of about 20 px per line, on a white panel to the right of the image
(beside it) or, for wide images, below it. The font has ASCII only:
accented class names are written without their accents.
"""
import math
import os
import os.path as osp
import unicodedata
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmfg.utils.errors import ConfigError

#: RGB colours of the boxes, by rank (cycled)
BOX_COLORS = ((230, 25, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
              (60, 180, 75), (240, 50, 230), (0, 128, 128), (170, 110, 40))
#: RGB colours of the panel: text, score bars, correct / wrong ground truth
TEXT_COLOR = (20, 20, 20)
BAR_COLOR = (200, 220, 250)
GT_OK_COLOR = (0, 140, 0)
GT_WRONG_COLOR = (200, 0, 0)

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.7
FONT_THICKNESS = 2
#: panel line height and margin in pixels
LINE_HEIGHT = 30
PAD = 12
#: panel width range (beside the image) and the longest class name shown
MIN_PANEL_WIDTH = 260
MAX_NAME_CHARS = 40

#: scores / boxes: a numpy array, a sequence or a torch tensor
ArrayLike = Union[np.ndarray, Sequence]


def _numpy(value) -> Optional[np.ndarray]:
    """``value`` (array, sequence, torch tensor or None) as a numpy array."""
    if value is None:
        return None
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _ascii(text: str) -> str:
    """``text`` in the ASCII of the Hershey font (accents dropped, other
    characters as ``?``)."""
    out = []
    for c in unicodedata.normalize('NFKD', str(text)):
        if ord(c) < 128:
            out.append(c)
        elif not unicodedata.combining(c):
            out.append('?')
    return ''.join(out)


def _to_rgb(img: np.ndarray) -> np.ndarray:
    """(H, W) grey, (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA image
    (uint8; uint16 is reduced to 8 bits, float is read as [0, 1] when
    its maximum is at most 1, else as [0, 255]) -> (H, W, 3) uint8 RGB."""
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    channels = img.shape[2] if img.ndim == 3 else 0
    if img.ndim not in (2, 3) or channels not in (0, 3, 4):
        raise ValueError('img must be (H, W) grey or (H, W, 3) BGR, got '
                         f'shape {img.shape}')
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f'img is empty (shape {img.shape})')
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = img.astype(np.float64)
        if img.size and np.nanmax(img) <= 1:
            img = img * 255
        img = np.clip(np.nan_to_num(img), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    return np.ascontiguousarray(img[..., ::-1])


def display_size(height: int,
                 width: int,
                 min_side: int = 448,
                 max_side: int = 1024) -> Tuple[int, int, int]:
    """The size an ``height x width`` image is drawn at (see the module
    docstring).

    Returns:
        tuple[int, int, int]: ``(out_h, out_w, interpolation)``, the
        OpenCV interpolation flag (``INTER_NEAREST`` for whole factors
        >= 2, ``INTER_LINEAR`` for smaller enlargements, ``INTER_AREA``
        for reductions).
    """
    if min_side > max_side:
        raise ValueError(f'min_side ({min_side}) must not exceed max_side '
                         f'({max_side})')
    short, long = min(height, width), max(height, width)
    scale = max(1., min_side / short)
    if long * scale > max_side:
        scale = max_side / long
    if scale >= 2:
        factor = math.ceil(min_side / short)
        if long * factor > max_side:
            factor = max_side // long
        if factor >= 2:
            return height * factor, width * factor, cv2.INTER_NEAREST
    if scale == 1:
        return height, width, cv2.INTER_NEAREST
    out_h = max(1, int(round(height * scale)))
    out_w = max(1, int(round(width * scale)))
    return out_h, out_w, (cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)


def prediction_lines(pred_scores: Optional[ArrayLike],
                     classes: Optional[Sequence[str]] = None,
                     topk: int = 5,
                     show_scores: bool = True) -> list:
    """The top-k lines of the panel, best first: ``'1. Shirt 0.873'``
    (``'1. 6 0.873'`` without class names; no score with
    ``show_scores=False``).

    Args:
        pred_scores: (num_classes,) scores; None gives no lines.

    Returns:
        list[tuple[int, str]]: ``(class index, line)`` per rank.
    """
    scores = _numpy(pred_scores)
    if scores is None:
        return []
    scores = scores.reshape(-1).astype(np.float64)
    order = np.argsort(-scores, kind='stable')[:max(0, int(topk))]
    lines = []
    for rank, idx in enumerate(order, 1):
        text = f'{rank}. {_class_name(int(idx), classes)}'
        if show_scores:
            text += f' {scores[idx]:.3f}'
        lines.append((int(idx), text))
    return lines


def _class_name(idx: int, classes: Optional[Sequence[str]]) -> str:
    known = classes is not None and 0 <= idx < len(classes)
    name = _ascii(classes[idx] if known else idx)
    if len(name) > MAX_NAME_CHARS:
        name = name[:MAX_NAME_CHARS - 3] + '...'
    return name


def _text_width(text: str) -> int:
    return cv2.getTextSize(text, FONT, FONT_SCALE, FONT_THICKNESS)[0][0]


def _fill(canvas, x1, y1, x2, y2, color):
    """Fill the pixels ``x1 .. x2 - 1``, ``y1 .. y2 - 1`` (clipped)."""
    h, w = canvas.shape[:2]
    x1, x2 = max(0, x1), min(w, x2)
    y1, y2 = max(0, y1), min(h, y2)
    if x2 > x1 and y2 > y1:
        canvas[y1:y2, x1:x2] = color


def _frame(canvas, x1, y1, x2, y2, color, thickness, dashed=False):
    """A frame of ``thickness`` px inside the pixels ``x1 .. x2``,
    ``y1 .. y2`` (inclusive); dashed: 10 px on, 6 px off."""
    t = max(1, min(thickness, (x2 - x1 + 1) // 2 or 1, (y2 - y1 + 1) // 2
                   or 1))
    edges = ((x1, y1, x2 + 1, y1 + t), (x1, y2 + 1 - t, x2 + 1, y2 + 1),
             (x1, y1, x1 + t, y2 + 1), (x2 + 1 - t, y1, x2 + 1, y2 + 1))
    for ex1, ey1, ex2, ey2 in edges:
        if not dashed:
            _fill(canvas, ex1, ey1, ex2, ey2, color)
            continue
        horizontal = ex2 - ex1 >= ey2 - ey1
        start, stop = (ex1, ex2) if horizontal else (ey1, ey2)
        for s in range(start, stop, 16):
            e = min(s + 10, stop)
            if horizontal:
                _fill(canvas, s, ey1, e, ey2, color)
            else:
                _fill(canvas, ex1, s, ex2, e, color)


def _label(canvas, x, y, text, color):
    """``text`` in white on a ``color`` tag whose top-left is ``(x, y)``
    (moved inside the canvas)."""
    (tw, th), base = cv2.getTextSize(text, FONT, 0.6, 2)
    w, h = tw + 8, th + base + 6
    x = int(min(max(0, x), max(0, canvas.shape[1] - w)))
    y = int(min(max(0, y), max(0, canvas.shape[0] - h)))
    _fill(canvas, x, y, x + w, y + h, color)
    cv2.putText(canvas, text, (x + 4, y + 3 + th), FONT, 0.6, (255, 255, 255),
                2, cv2.LINE_AA)


def _draw_boxes(canvas, boxes, box_valid, sx, sy):
    boxes = _numpy(boxes)
    if boxes is None or boxes.size == 0:
        return
    boxes = boxes.reshape(-1, boxes.shape[-1]).astype(np.float64)
    if boxes.shape[1] < 4:
        raise ValueError('boxes must be (K, 4) or (K, 5) x1, y1, x2, y2[, '
                         f'score], got shape {boxes.shape}')
    valid = _numpy(box_valid)
    if valid is None:
        valid = np.ones(len(boxes), bool)
    valid = valid.reshape(-1).astype(bool)
    if len(valid) != len(boxes):
        raise ValueError(f'box_valid has {len(valid)} entries for '
                         f'{len(boxes)} boxes')
    thickness = max(2, int(round(min(canvas.shape[:2]) / 224)))
    # best first: draw the last box first so the first stays on top
    for k in range(len(boxes) - 1, -1, -1):
        x1, y1, x2, y2 = boxes[k, :4]
        if not np.all(np.isfinite(boxes[k, :4])) or x2 <= x1 or y2 <= y1:
            continue
        px1, py1 = int(round(x1 * sx)), int(round(y1 * sy))
        px2, py2 = int(round(x2 * sx)) - 1, int(round(y2 * sy)) - 1
        if px2 < px1 or py2 < py1:
            continue
        color = BOX_COLORS[k % len(BOX_COLORS)]
        _frame(canvas, px1, py1, px2, py2, color, thickness, not valid[k])
        _label(canvas, px1, py1, str(k + 1), color)


def _panel(lines, gt_label, classes, scores, width=None):
    """The white text panel: a ground-truth line when known, then the
    top-k lines over score bars (the ground-truth class in green)."""
    rows = []  # (text, colour, bar fraction or None, boxed)
    top1 = lines[0][0] if lines else None
    if gt_label is not None:
        name = _class_name(gt_label, classes)
        color = GT_OK_COLOR if top1 == gt_label else GT_WRONG_COLOR
        rows.append((f'GT: {name}', color, None, False))
    elif lines:
        rows.append(('Prediction', TEXT_COLOR, None, False))
    for idx, text in lines:
        frac = None if scores is None else float(
            np.clip(np.nan_to_num(scores[idx]), 0, 1))
        is_gt = gt_label is not None and idx == gt_label
        rows.append((text, GT_OK_COLOR if is_gt else TEXT_COLOR, frac, is_gt))
    listed = [idx for idx, _ in lines]
    if gt_label is not None and scores is not None \
            and gt_label not in listed and 0 <= gt_label < len(scores):
        rank = int(np.sum(scores > scores[gt_label])) + 1
        text = f'GT rank {rank}: {scores[gt_label]:.3f}'
        rows.append((text, GT_WRONG_COLOR, None, False))
    text_w = max([_text_width(r[0]) for r in rows] + [0])
    width = max(width or 0, MIN_PANEL_WIDTH, text_w + 2 * PAD)
    height = 2 * PAD + LINE_HEIGHT * len(rows)
    panel = np.full((height, width, 3), 255, np.uint8)
    # a score of 1 fills the text column (the whole panel when beside)
    bar_full = min(width - 2 * PAD, max(text_w, MIN_PANEL_WIDTH - 2 * PAD))
    for i, (text, color, frac, boxed) in enumerate(rows):
        top = PAD + i * LINE_HEIGHT
        if frac is not None:
            _fill(panel, PAD, top + 3, PAD + int(round(frac * bar_full)),
                  top + LINE_HEIGHT - 3, BAR_COLOR)
        if boxed:
            _frame(panel, PAD - 4, top + 1, width - PAD + 3,
                   top + LINE_HEIGHT - 2, GT_OK_COLOR, 2)
        cv2.putText(panel, text, (PAD, top + 22), FONT, FONT_SCALE, color,
                    FONT_THICKNESS, cv2.LINE_AA)
    return panel


def draw_prediction(img: np.ndarray,
                    pred_scores: Optional[ArrayLike],
                    classes: Optional[Sequence[str]] = None,
                    topk: int = 5,
                    boxes: Optional[ArrayLike] = None,
                    box_valid: Optional[ArrayLike] = None,
                    gt_label: Optional[int] = None,
                    min_side: int = 448,
                    max_side: int = 1024,
                    *,
                    show_scores: bool = True) -> np.ndarray:
    """Draw one prediction on its image, readable at any input size.

    Args:
        img (np.ndarray): (H, W) grey or (H, W, 3) BGR uint8, as MMCV loads
            it ((H, W, 1), (H, W, 4) BGRA, uint16 and float in [0, 1] are
            accepted too).
        pred_scores: (num_classes,) scores (numpy, list or torch); None
            draws no top-k lines.
        classes (Sequence[str], optional): class names (else indices).
        topk (int): how many classes the panel lists, best first.
        boxes: (K, 4) or (K, 5) ``x1, y1, x2, y2[, score]`` in pixels of
            ``img``, best first: framed in :data:`BOX_COLORS` order and
            numbered 1..K; boxes with ``x2 <= x1``, ``y2 <= y1`` or a
            non-finite coordinate are skipped.
        box_valid: (K,) bool; the frames of invalid boxes (blank crops)
            are dashed.
        gt_label (int, optional): the true class: a ``GT:`` line on top
            (green when the top-1 class is right, red otherwise), its
            top-k line framed green, or its rank and score when it is not
            in the top k.
        min_side, max_side (int): the drawn image's short side at least,
            long side at most (see :func:`display_size`).
        show_scores (bool): write the scores after the class names.

    Returns:
        np.ndarray: (H', W', 3) uint8 RGB: the enlarged image with the
        panel to its right (or below it when it is more than 1.5 times as
        wide as high), on white.
    """
    rgb = _to_rgb(img)
    h, w = rgb.shape[:2]
    out_h, out_w, interp = display_size(h, w, min_side, max_side)
    if (out_h, out_w) != (h, w):
        rgb = cv2.resize(rgb, (out_w, out_h), interpolation=interp)
    rgb = np.ascontiguousarray(rgb)
    _draw_boxes(rgb, boxes, box_valid, out_w / w, out_h / h)

    scores = _numpy(pred_scores)
    if scores is not None:
        scores = scores.reshape(-1).astype(np.float64)
    if gt_label is not None:
        gt = _numpy(gt_label).reshape(-1)
        gt_label = int(gt[0]) if gt.size else None
    lines = prediction_lines(scores, classes, topk, show_scores)
    beside = out_w <= 1.5 * out_h
    bar_scores = scores if show_scores else None
    panel = _panel(lines, gt_label, classes, bar_scores,
                   None if beside else out_w)
    ph, pw = panel.shape[:2]
    if beside:
        canvas = np.full((max(out_h, ph), out_w + pw, 3), 255, np.uint8)
        canvas[:out_h, :out_w] = rgb
        canvas[:ph, out_w:] = panel
    else:
        canvas = np.full((out_h + ph, max(out_w, pw), 3), 255, np.uint8)
        canvas[:out_h, :out_w] = rgb
        canvas[out_h:, :pw] = panel
    return canvas


def save_prediction(path: str, img: np.ndarray,
                    pred_scores: Optional[ArrayLike], **kwargs) -> np.ndarray:
    """:func:`draw_prediction` written to ``path`` (its folders are
    created; the extension picks the format, e.g. ``.png``, ``.jpg``; an
    extension OpenCV cannot write raises :class:`ConfigError`).

    Returns:
        np.ndarray: the drawn (H', W', 3) uint8 RGB image.
    """
    drawn = draw_prediction(img, pred_scores, **kwargs)
    ext = osp.splitext(path)[1]
    ok = False
    if ext:
        try:
            ok, data = cv2.imencode(ext, drawn[..., ::-1])
        except cv2.error:
            ok = False
    if not ok:
        raise ConfigError(f'cannot write the picture {path}: give a file '
                          'name ending with .png or .jpg')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data.tobytes())
    return drawn
