"""Coordinate fields and how mmfg's transforms keep them on their pixels.

All coordinates are in pixels of the *current* image, continuous (pixel
``i`` spans ``[i, i + 1)``; a flip maps ``x`` to ``w - x``), as in MMCV.

Fields, with the layouts of MMCV's ``LoadAnnotations``
(``mmcv/transforms/loading.py``: ``'gt_bboxes': np.ndarray(N, 4)`` "in
(x1, y1, x2, y2) order, float type"; ``'gt_keypoints': np.ndarray(N, NK,
3)`` "with (x, y, v) order, in np.float32 type"):

* ``gt_bboxes``: float32 ``(M, 4)`` x1, y1, x2, y2: the object box(es)
  (M = 1, except Stanford Dogs: one box per dog).
* ``gt_keypoints``: float32 ``(1, P, 3)`` x, y, visible: the P parts of the
  one object (N = 1 instance). The visibility is the third column, not a
  separate ``gt_keypoints_visible``: MMCV 2.1's ``CenterCrop`` subtracts
  ``[offset_w, offset_h, 0]`` from the ``(N, NK, 3)`` array and writes 0 in
  column 2 for points that leave the crop (``_crop_keypoints``), and
  ``RandomFlip._flip_keypoints`` / ``Resize._resize_keypoints`` move
  ``[..., :2]`` and keep the rest.
* ``proposals``: float32 ``(N, 5)`` x1, y1, x2, y2, score: extra boxes
  from a proposal file. MMCV has no field for boxes with scores that are
  not ground truth (``gt_bboxes`` is the object; mmdet's ``proposals`` is
  not moved by MMCV's transforms either), so mmfg keeps this field and
  moves it in its own registrations of the transforms (below).
* ``part_boxes``: float32 ``(K, 4)``: boxes of the part crops made by
  ``PartCrops`` (kept in step if a geometric transform comes after it).

Who moves what. MMCV's ``Resize``, ``RandomResize``, ``RandomFlip``,
``CenterCrop`` and ``Pad`` (which pads at the bottom/right only) already
move ``gt_bboxes`` and ``gt_keypoints``; mmfg registers each of
``Resize``, ``RandomFlip`` and ``CenterCrop`` under the same name in the
``mmfg`` scope as the MMCV class plus the two extra box fields
(``proposals``, ``part_boxes``; ``RandomResize`` builds ``Resize`` through
the registry and so gets mmfg's under ``default_scope='mmfg'``).
mmpretrain's ``ResizeEdge``, ``RandomCrop`` and ``RandomResizedCrop`` move
no coordinates at all; mmfg registers versions under the same names that
move every field. mmfg's own ``CropToBBox``, ``LowResolution`` and
``PartCrops`` move every field too. Transforms not listed (``Rotate``,
``Shear``, ``Translate`` of RandAugment, ``EfficientNet*Crop``,
``Albumentations``) do not move coordinates: do not use them before a
step that reads them.

Clipping follows MMCV: boxes are clipped to ``[0, w] x [0, h]``; a point
that leaves ``[0, w) x [0, h)`` gets visibility 0 and its coordinates are
clipped to the image (as ``CenterCrop._crop_keypoints``).
"""
import numpy as np

from mmfg.structures import PART_BOXES

BOX_FIELDS = ('gt_bboxes', )
EXTRA_BOX_FIELDS = ('proposals', PART_BOXES)
KEYPOINT_FIELDS = ('gt_keypoints', )
COORD_FIELDS = BOX_FIELDS + EXTRA_BOX_FIELDS + KEYPOINT_FIELDS


def _clip(a, high):
    """``np.clip(a, 0, high)`` (same values, NaN kept), without its
    overhead: two ufuncs (this runs a few times per sample)."""
    return np.minimum(np.maximum(a, 0), high)


def _map_boxes(boxes, ax, bx, ay, by):
    b = np.array(boxes, dtype=np.float32, copy=True)
    xs = b[..., 0:4:2] * ax + bx
    ys = b[..., 1:4:2] * ay + by
    # a flip swaps x1, x2
    b[..., 0] = np.minimum(xs[..., 0], xs[..., 1])
    b[..., 2] = np.maximum(xs[..., 0], xs[..., 1])
    b[..., 1] = np.minimum(ys[..., 0], ys[..., 1])
    b[..., 3] = np.maximum(ys[..., 0], ys[..., 1])
    return b


def apply_affine(results, ax=1., bx=0., ay=1., by=0., fields=COORD_FIELDS):
    """Map the coordinate ``fields`` of ``results`` by ``x' = ax * x + bx``,
    ``y' = ay * y + by`` (resize, crop and flip are all of this form), then
    clip them to ``results['img_shape']`` (h, w)."""
    for key in fields:
        value = results.get(key)
        if value is None:
            continue
        if key in KEYPOINT_FIELDS:
            pts = np.array(value, dtype=np.float32, copy=True)
            pts[..., 0] = pts[..., 0] * ax + bx
            pts[..., 1] = pts[..., 1] * ay + by
            results[key] = pts
        else:
            results[key] = _map_boxes(value, ax, bx, ay, by)
    clip_to_image(results, fields)
    return results


def clip_to_image(results, fields=COORD_FIELDS):
    """Clip boxes to the image; points outside it become invisible and are
    clipped (MMCV's convention)."""
    h, w = results['img_shape'][:2]
    for key in fields:
        value = results.get(key)
        if value is None:
            continue
        if key in KEYPOINT_FIELDS:
            x, y = value[..., 0], value[..., 1]
            outside = (x < 0) | (x >= w) | (y < 0) | (y >= h)
            if value.shape[-1] > 2:
                value[..., 2] = np.where(outside, 0, value[..., 2])
            value[..., 0] = _clip(x, w)
            value[..., 1] = _clip(y, h)
        else:
            value[..., 0:4:2] = _clip(value[..., 0:4:2], w)
            value[..., 1:4:2] = _clip(value[..., 1:4:2], h)
    return results


def has_coords(results, fields=COORD_FIELDS):
    """Whether ``results`` holds any of the coordinate ``fields``."""
    return any(results.get(k) is not None for k in fields)
