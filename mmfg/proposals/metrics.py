"""CorLoc and recall at N of proposals, and part metrics, against
ground-truth boxes.

* CorLoc (Deselaers et al., IJCV 2012): the share of images whose
  top-scored box has IoU >= ``iou_thr`` (0.5) with a ground-truth box.
* Recall at N: the share of ground-truth boxes covered (IoU >= ``iou_thr``)
  by one of the image's N top-scored boxes (mmdet's ``proposal_fast``
  recall at one IoU threshold). For K parts, recall@K says whether the
  object is covered by any of the K parts.
* Parts inside the object (:func:`part_scores`): a part box is *inside*
  when the fraction of its area inside a ground-truth box reaches
  ``inside_thr``; the share of the first K parts that are inside, and
  their mean number per image. CorLoc scores one part against the whole
  object and so does not measure parts; these do.

IoU is mmdet's ``bbox_overlaps`` (continuous coordinates, no ``+1``).
"""
from typing import Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike


def box_iou(a: ArrayLike, b: ArrayLike, mode: str = 'iou') -> np.ndarray:
    """IoU matrix ``(N, M)`` of boxes ``a`` ``(N, >=4)`` and ``b``
    ``(M, >=4)`` (x1, y1, x2, y2; extra columns ignored); ``mode='iof'``
    gives ``area(a & b) / area(a)`` instead (mmdet's ``bbox_overlaps``)."""
    from mmdet.structures.bbox import bbox_overlaps

    def as_tensor(x: ArrayLike) -> torch.Tensor:
        x = np.asarray(x, np.float32)
        x = x.reshape(-1, x.shape[-1]) if x.size else np.zeros((0, 4))
        return torch.as_tensor(x[:, :4], dtype=torch.float32)

    a, b = as_tensor(a), as_tensor(b)
    return bbox_overlaps(a, b, mode=mode).numpy()


def _top(props, n):
    props = np.asarray(props, np.float32).reshape(-1, 5)
    order = np.argsort(-props[:, 4], kind='stable')
    return props[order[:n]]


def localization_scores(proposals: Sequence[ArrayLike],
                        gt_boxes: Sequence[ArrayLike],
                        nums: Sequence[int] = (1, 5, 10),
                        iou_thr: float = 0.5) -> dict:
    """CorLoc and recall at each N of ``nums``.

    Args:
        proposals (Sequence[array]): per image ``(n_i, 5)`` scored boxes.
        gt_boxes (Sequence[array]): per image ``(m_i, 4)`` true boxes, in
            the same pixels.
        nums (Sequence[int]): the N of recall at N.
        iou_thr (float): the IoU a box must reach.

    Returns:
        dict: ``corloc``, ``recall@N`` for each N (fractions in [0, 1]),
        ``mean_top_iou`` (mean over images of the top box's best IoU) and
        ``num_images``.
    """
    if len(proposals) != len(gt_boxes):
        raise ValueError(f'{len(proposals)} proposal lists for '
                         f'{len(gt_boxes)} images')
    hits = {n: 0 for n in nums}
    num_gt, correct, top_ious = 0, 0, []
    for props, gts in zip(proposals, gt_boxes):
        gts = np.asarray(gts, np.float32).reshape(-1, 4)
        num_gt += len(gts)
        top = _top(props, max(max(nums), 1))
        if not len(gts):
            continue
        if not len(top):
            top_ious.append(0.)
            continue
        iou = box_iou(top, gts)  # (n, m)
        top_iou = float(iou[0].max())
        top_ious.append(top_iou)
        correct += top_iou >= iou_thr
        for n in nums:
            hits[n] += int((iou[:n].max(axis=0) >= iou_thr).sum())
    out = dict(
        corloc=correct / max(len(top_ious), 1),
        mean_top_iou=float(np.mean(top_ious)) if top_ious else 0.,
        num_images=len(proposals))
    for n in nums:
        out[f'recall@{n}'] = hits[n] / max(num_gt, 1)
    return out


def inside_fraction(boxes: ArrayLike, gt_boxes: ArrayLike) -> np.ndarray:
    """``(N,)`` the largest fraction of each box's area inside one of the
    ``(M, >=4)`` ground-truth boxes (x1, y1, x2, y2; 0 for an empty box or
    no ground truth): ``area(box & gt) / area(box)``, mmdet's
    ``bbox_overlaps(mode='iof')``."""
    frac = box_iou(boxes, gt_boxes, mode='iof')
    if not frac.shape[1]:
        return np.zeros(frac.shape[0])
    return frac.max(axis=1).astype(np.float64)


def part_scores(parts: Sequence[ArrayLike],
                gt_boxes: Sequence[ArrayLike],
                num_parts: int = 4,
                iou_thr: float = 0.5,
                inside_thr: float = 0.5) -> dict:
    """Part metrics of the first ``num_parts`` (top-scored) boxes of each
    image.

    Args:
        parts (Sequence[array]): per image ``(n_i, 5)`` scored part boxes.
        gt_boxes (Sequence[array]): per image ``(m_i, 4)`` object boxes.
        num_parts (int): K.
        iou_thr (float): the IoU with which a part covers the object.
        inside_thr (float): the fraction of a part's area that must lie
            inside the object box for the part to be inside.

    Returns:
        dict (fractions in [0, 1]; images without a ground-truth box are
        skipped): ``recall@K`` (share of objects covered by one of the K
        parts, as :func:`localization_scores`), ``parts_inside@K`` (share
        of all the images' first-K part boxes that are inside),
        ``mean_parts_inside@K`` (their mean number per image, in [0, K]),
        ``mean_inside_fraction@K`` (mean over part boxes of the fraction of
        the area inside), ``num_parts@K`` (part boxes counted).
    """
    if len(parts) != len(gt_boxes):
        raise ValueError(f'{len(parts)} part lists for {len(gt_boxes)} '
                         'images')
    fracs, per_image, num_gt, covered = [], [], 0, 0
    for props, gts in zip(parts, gt_boxes):
        gts = np.asarray(gts, np.float32).reshape(-1, 4)
        if not len(gts):
            continue
        top = _top(props, num_parts)
        num_gt += len(gts)
        if len(top):
            covered += int((box_iou(top, gts).max(axis=0) >= iou_thr).sum())
        frac = inside_fraction(top, gts)
        fracs.append(frac)
        per_image.append(int((frac >= inside_thr).sum()))
    allf = np.concatenate(fracs) if fracs else np.zeros(0)
    k = num_parts
    return {
        f'recall@{k}': covered / max(num_gt, 1),
        f'parts_inside@{k}': float(
            (allf >= inside_thr).mean()) if len(allf) else 0.,
        f'mean_parts_inside@{k}':
        float(np.mean(per_image)) if per_image else 0.,
        f'mean_inside_fraction@{k}': float(allf.mean()) if len(allf) else 0.,
        f'num_parts@{k}': int(len(allf)),
    }
