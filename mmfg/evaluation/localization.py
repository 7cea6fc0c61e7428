"""Localisation precision / recall of saliency maps against objects (Lelekas
et al., "Top-Down Networks", Sec. 4.3 (b), Fig. 9).

Protocol, as ``tools/topdown/localization.py`` applies it:

* object mask (:func:`object_masks`): pixels whose grey value exceeds
  ``threshold`` (0.2) times the image's maximum, for objects on a dark
  background (MNIST, Fashion-MNIST); or the inside of a box
  (:func:`box_masks`);
* CAM mask (:func:`cam_masks`): the CAM (already in ``[0, 1]``) above a
  threshold;
* per image ``precision = |CAM & object| / |CAM|`` and
  ``recall = |CAM & object| / |object|`` (:func:`mask_precision_recall`),
  summarised over images by :func:`summarise_localization`.
"""
from typing import Dict, Optional

import numpy as np
from numpy.typing import ArrayLike


def object_masks(images: ArrayLike, threshold: float) -> np.ndarray:
    """Objects on a dark background.

    Args:
        images (array): ``(N, C, H, W)`` (or ``(N, H, W)``) in ``[0, 1]``.
        threshold (float): fraction of each image's maximum.

    Returns:
        ndarray: bool ``(N, H, W)``, pixels whose grey value (channel mean)
        is strictly above ``threshold`` times the image's maximum.
    """
    grey = np.asarray(images, dtype=np.float64)
    if grey.ndim == 4:
        grey = grey.mean(axis=1)
    peak = grey.reshape(len(grey), -1).max(axis=1)
    return grey > threshold * peak[:, None, None]


def box_masks(boxes: ArrayLike, height: int, width: int) -> np.ndarray:
    """Masks of boxes ``(N, 4)`` ``(x1, y1, x2, y2)`` in pixels: pixel
    ``(y, x)`` (centre ``(x + 0.5, y + 0.5)``) is inside when
    ``x1 <= x + 0.5 < x2`` and ``y1 <= y + 0.5 < y2``.

    Returns:
        ndarray: bool ``(N, height, width)``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    xs = np.arange(width) + 0.5
    ys = np.arange(height) + 0.5
    inx = (xs[None] >= boxes[:, 0:1]) & (xs[None] < boxes[:, 2:3])
    iny = (ys[None] >= boxes[:, 1:2]) & (ys[None] < boxes[:, 3:4])
    return iny[:, :, None] & inx[:, None, :]


def cam_masks(cams: ArrayLike,
              threshold: float,
              subtract_mean: bool = False) -> np.ndarray:
    """CAM masks: ``cams > threshold`` (``(N, H, W)`` bool).

    ``subtract_mean=True`` thresholds ``cam - mean(cam)`` per image instead
    (the wording of the paper's protocol); the Top-Down tool and the README
    numbers use the plain threshold (the default).
    """
    cams = np.asarray(cams)
    if subtract_mean:
        axes = tuple(range(1, cams.ndim))
        cams = cams - cams.mean(axis=axes, keepdims=True)
    return cams > threshold


def mask_precision_recall(cam_masks: ArrayLike,
                          obj_masks: ArrayLike) -> Dict[str, np.ndarray]:
    """Per-image precision / recall of CAM masks against object masks (both
    ``(N, H, W)`` bool).

    Returns:
        dict: ``precision`` / ``recall`` float arrays ``(N,)`` (NaN where the
        CAM / object mask is empty), ``tp``, ``fp``, ``fn`` int arrays
        ``(N,)``.
    """
    cam = np.asarray(cam_masks, dtype=bool)
    obj = np.asarray(obj_masks, dtype=bool)
    if cam.shape != obj.shape:
        raise ValueError(f'mask shapes differ: {cam.shape} vs {obj.shape}')
    axes = tuple(range(1, cam.ndim))
    tp = (cam & obj).sum(axis=axes)
    fp = (cam & ~obj).sum(axis=axes)
    fn = (~cam & obj).sum(axis=axes)
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan)
    return dict(precision=precision, recall=recall, tp=tp, fp=fp, fn=fn)


def summarise_localization(scores: Dict[str, np.ndarray]) -> dict:
    """JSON summary of :func:`mask_precision_recall`'s output.

    Returns:
        dict: ``precision`` / ``recall`` (means over the images where they
        are defined), their ``*_std``, ``micro_precision`` /
        ``micro_recall`` (TP, FP, FN summed over images), ``empty_cam`` /
        ``empty_object`` (images left out of the precision / recall mean);
        None where undefined.
    """
    tp, fp, fn = (int(scores[k].sum()) for k in ('tp', 'fp', 'fn'))
    p, r = scores['precision'], scores['recall']

    def mean(v: np.ndarray) -> Optional[float]:
        v = v[~np.isnan(v)]
        return float(v.mean()) if len(v) else None

    return dict(
        precision=mean(p),
        recall=mean(r),
        precision_std=float(np.nanstd(p)) if np.isfinite(p).any() else None,
        recall_std=float(np.nanstd(r)) if np.isfinite(r).any() else None,
        micro_precision=tp / (tp + fp) if tp + fp else None,
        micro_recall=tp / (tp + fn) if tp + fn else None,
        empty_cam=int(np.isnan(p).sum()),
        empty_object=int(np.isnan(r).sum()))
