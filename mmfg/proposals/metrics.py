"""CorLoc and recall at N of proposals against ground-truth boxes.

* CorLoc (Deselaers et al., IJCV 2012): the share of images whose
  top-scored box has IoU >= ``iou_thr`` (0.5) with a ground-truth box.
* Recall at N: the share of ground-truth boxes covered (IoU >= ``iou_thr``)
  by one of the image's N top-scored boxes (mmdet's ``proposal_fast``
  recall at one IoU threshold).

IoU is mmdet's ``bbox_overlaps`` (continuous coordinates, no ``+1``).
"""
from typing import Sequence

import numpy as np
import torch
from numpy.typing import ArrayLike


def box_iou(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """IoU matrix ``(N, M)`` of boxes ``a`` ``(N, >=4)`` and ``b``
    ``(M, >=4)`` (x1, y1, x2, y2; extra columns ignored)."""
    from mmdet.structures.bbox import bbox_overlaps

    def as_tensor(x: ArrayLike) -> torch.Tensor:
        x = np.asarray(x, np.float32)
        x = x.reshape(-1, x.shape[-1]) if x.size else np.zeros((0, 4))
        return torch.as_tensor(x[:, :4], dtype=torch.float32)

    a, b = as_tensor(a), as_tensor(b)
    return bbox_overlaps(a, b).numpy()


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
