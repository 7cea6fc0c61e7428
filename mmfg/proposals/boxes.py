"""Boxes from saliency maps, centre boxes, NMS and box rescaling.

Conventions (:mod:`mmfg.datasets.transforms.coords`): boxes are
``x1, y1, x2, y2`` in pixels, pixel ``i`` spans ``[i, i + 1)``, so the box of
a set of pixels with columns ``c`` and rows ``r`` is
``[min c, min r, max c + 1, max r + 1]``; scored boxes are ``(N, 5)`` with the
score last.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy import ndimage

#: 8-connectivity for connected components
EIGHT = np.ones((3, 3), bool)


def whole_image_box(height: int, width: int, score: float = 0.) -> np.ndarray:
    """``(1, 5)`` float32 box of the whole ``height x width`` image."""
    return np.array([[0, 0, width, height, score]], np.float32)


def mask_box(mask: np.ndarray) -> Optional[np.ndarray]:
    """Tight box ``(4,)`` of the True pixels of a ``(H, W)`` mask (None when
    there are none)."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float32)


def saliency_boxes(saliency: ArrayLike,
                   thresholds: Sequence[float] = (0.4, 0.2, 0.6),
                   num_boxes: int = 5,
                   iou_thr: float = 0.7,
                   min_size: float = 1.) -> np.ndarray:
    """Scored boxes of the connected components of a thresholded map
    (the CAM-box rule of weakly supervised localisation, e.g. Zhou et al.,
    CVPR 2016, Sec. 3.1: threshold, largest connected component, its box).

    For each threshold ``t`` (a fraction of the map's maximum) the map is
    cut at ``t * max``; each 8-connected component gives its tight box,
    scored by the component's share of the map's total mass
    (``sum(map[component]) / sum(map)``, in [0, 1]) plus a tier: the boxes
    of the first threshold rank above those of the second, and so on
    (tier ``len(thresholds) - 1 - i`` for threshold ``i``), so the first
    threshold is the primary rule and the others add candidates. The boxes
    of all thresholds are reduced by NMS (``iou_thr``) and the
    ``num_boxes`` best kept.

    Args:
        saliency (array): ``(H, W)`` non-negative map.
        thresholds (Sequence[float]): fractions of the maximum in (0, 1].
        num_boxes (int): N, boxes kept.
        iou_thr (float): NMS IoU between boxes of different thresholds.
        min_size (float): boxes with a side below this (pixels) are
            dropped.

    Returns:
        ndarray: float32 ``(n, 5)``, ``1 <= n <= N``, highest score first;
        an all-zero (or all-equal) map gives the whole image, score 0.
    """
    sal = np.asarray(saliency, np.float64)
    h, w = sal.shape
    peak, total = sal.max(), sal.sum()
    if not np.isfinite(total) or peak <= 0 or np.ptp(sal) == 0:
        return whole_image_box(h, w)
    boxes = []
    for i, t in enumerate(thresholds):
        tier = len(thresholds) - 1 - i
        labels, n = ndimage.label(sal >= t * peak, structure=EIGHT)
        if not n:
            continue
        mass = ndimage.sum(sal, labels, np.arange(1, n + 1))
        for obj, m in zip(ndimage.find_objects(labels), mass):
            ys, xs = obj
            box = [xs.start, ys.start, xs.stop, ys.stop, tier + m / total]
            if min(box[2] - box[0], box[3] - box[1]) >= min_size:
                boxes.append(box)
    if not boxes:
        return whole_image_box(h, w)
    boxes = np.asarray(boxes, np.float32)
    return nms_boxes(boxes, iou_thr, num_boxes)


def nms_boxes(boxes: Union[np.ndarray, torch.Tensor],
              iou_thr: float,
              max_num: int = -1) -> Union[np.ndarray, torch.Tensor]:
    """Non-maximum suppression of scored boxes with :func:`mmcv.ops.nms`.

    Args:
        boxes (array | Tensor): ``(N, 5)`` x1, y1, x2, y2, score.
        iou_thr (float): boxes overlapping a kept, higher-scored box by more
            than this IoU are removed.
        max_num (int): keep at most this many (-1: all).

    Returns:
        same type as ``boxes``: ``(n, 5)``, score descending.
    """
    from mmcv.ops import nms
    is_np = isinstance(boxes, np.ndarray)
    t = torch.as_tensor(np.asarray(boxes) if is_np else boxes).float()
    if not len(t):
        return boxes
    dets, _ = nms(t[:, :4].contiguous(), t[:, 4].contiguous(), iou_thr)
    if max_num > 0:
        dets = dets[:max_num]
    return dets.numpy() if is_np else dets


def centre_boxes(
        height: float,
        width: float,
        fractions: Sequence[float] = (0.5, ),
) -> np.ndarray:
    """The centre-box baseline: boxes centred on the image, each side a
    fraction of the image's, scored in the given order (first = best).

    Returns:
        ndarray: float32 ``(len(fractions), 5)``.
    """
    out = []
    for i, f in enumerate(fractions):
        bw, bh = width * f, height * f
        x1, y1 = (width - bw) / 2, (height - bh) / 2
        out.append([x1, y1, x1 + bw, y1 + bh, len(fractions) - i])
    return np.asarray(out, np.float32)


def rescale_boxes(boxes: np.ndarray,
                  scale_xy: Tuple[float, float],
                  size_hw: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Boxes from a resized input back to the original image: divide the
    coordinates by ``scale_xy = (input w / original w, input h / original
    h)`` (mmcv's ``scale_factor``), clip to ``size_hw`` (original ``(h,
    w)``) when given. Scores are kept."""
    out = np.array(boxes, np.float32, copy=True).reshape(-1, boxes.shape[-1])
    sx, sy = scale_xy
    out[:, 0:4:2] /= sx
    out[:, 1:4:2] /= sy
    if size_hw is not None:
        h, w = size_hw
        out[:, 0:4:2] = out[:, 0:4:2].clip(0, w)
        out[:, 1:4:2] = out[:, 1:4:2].clip(0, h)
    return out
