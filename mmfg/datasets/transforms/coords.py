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


#: how far a ground-truth box or visible part may reach past the edges of
#: the decoded image before it is refused, as (pixels, fraction of that
#: side): the larger of the two. Annotations in 1-based pixel indices
#: (Stanford Cars, FGVC-Aircraft, VOC XML) end at ``w`` or ``h``, one past
#: the 0-based last pixel, and hand-drawn boxes of the public datasets
#: overshoot by a few pixels; such annotations are clipped to the image
#: (:func:`clip_to_image`). Beyond it the annotation belongs to another
#: image (a resized or replaced file, the line of another image).
ANNOTATION_TOLERANCE = (1., 0.02)
#: the same for proposal boxes (float rounding only, as for ``image_sizes``)
PROPOSAL_TOLERANCE = 1e-3


def check_inside_decoded(results, dataset_name=None):
    """Check the annotations of a freshly decoded image against it.

    ``results['img']`` must be the image as decoded (before any geometric
    transform). Refused, each with a DataError naming the image, the
    field, the entry, its values and the decoded size: the ``image_sizes``
    of a version-2 proposal file that differ from the decoded size (see
    :func:`mmfg.datasets.proposals.check_proposal_size`), a proposal box or
    a ground-truth box that leaves the image, and a *visible* part
    (``gt_keypoints``) outside it. This is the treatment boxes outside
    ``image_sizes`` get when a proposal file is read; without it such an
    annotation is clipped into a blank or misplaced crop silently.
    Tolerances: ``ANNOTATION_TOLERANCE`` for ground truth (the larger of
    1 px and 2% of the side; within it the annotation is clipped),
    ``PROPOSAL_TOLERANCE`` for proposals.
    """
    from mmfg.datasets.proposals import PROPOSAL_FILE_KEY, check_proposal_size
    from mmfg.utils import DataError
    img = results.get('img')
    if img is None:
        return results
    h, w = img.shape[:2]
    check_proposal_size(results, (h, w))
    image = results.get('img_path') or results.get('img_key')
    of = f' of dataset {dataset_name}' if dataset_name else ''
    size = f'[h, w] = [{h}, {w}]'

    px, frac = ANNOTATION_TOLERANCE
    tol_x, tol_y = max(px, frac * w), max(px, frac * h)

    def outside_boxes(boxes, tx, ty):
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, boxes.shape[-1])
        bad = ((b[:, 0:4:2] < -tx).any(axis=1) |
               (b[:, 1:4:2] < -ty).any(axis=1) | (b[:, 2] > w + tx) |
               (b[:, 3] > h + ty))
        return int(np.argmax(bad)) if bad.any() else None, b

    props = results.get('proposals')
    if props is not None and len(props):
        i, b = outside_boxes(props, PROPOSAL_TOLERANCE, PROPOSAL_TOLERANCE)
        if i is not None:
            raise DataError(
                f'proposal file {results.get(PROPOSAL_FILE_KEY)}: box {i} '
                f'{b[i].tolist()} of image {image} is outside the decoded '
                f'image of size {size}; the boxes were made on another '
                'image (a resized copy?). Make the proposal file again from '
                'these images (tools/proposals/generate.py)')
    boxes = results.get('gt_bboxes')
    if boxes is not None and len(boxes):
        i, b = outside_boxes(np.asarray(boxes), tol_x, tol_y)
        if i is not None:
            raise DataError(
                f'gt_bboxes of image {image}{of}: box {i} {b[i].tolist()} '
                f'is outside the decoded image of size {size}; the '
                'annotation does not fit this image file (a resized or '
                'replaced image, or the line of another image): fix the '
                'box in the annotation file or the image')
    pts = results.get('gt_keypoints')
    if pts is not None:
        pts = np.asarray(pts, dtype=np.float64)
        if pts.ndim >= 2 and pts.shape[-1] >= 3 and pts.size:
            flat = pts.reshape(-1, pts.shape[-1])
            bad = (flat[:, 2] > 0) & ((flat[:, 0] < -tol_x) |
                                      (flat[:, 1] < -tol_y) |
                                      (flat[:, 0] > w + tol_x) |
                                      (flat[:, 1] > h + tol_y))
            if bad.any():
                k = int(np.argmax(bad))
                part = k % pts.shape[-2]
                raise DataError(
                    f'gt_keypoints of image {image}{of}: part index {part} '
                    "(0-based, in the order of the dataset's parts) is "
                    f'visible at (x, y) = ({flat[k, 0]:g}, {flat[k, 1]:g}), '
                    f'outside the decoded image of size {size}; the '
                    'annotation does not fit this image file (a resized or '
                    'replaced image, or the line of another image): fix the '
                    'part location (or mark it invisible) in the annotation '
                    'file, or the image')
    return results
