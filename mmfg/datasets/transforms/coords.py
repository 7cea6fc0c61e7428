"""Keep the per-image coordinate fields attached to the pixels they name.

Fields (all in pixels of the *current* image, continuous coordinates: pixel
``i`` spans ``[i, i + 1)``):

* ``gt_bbox``: (4,) x1, y1, x2, y2 (the object's ground-truth box)
* ``gt_instance_bboxes``: (K, 4) one box per object instance (Stanford
  Dogs); named so that MMCV's own ``gt_bboxes`` handling does not touch it
* ``proposals``: (N, 4 + k) x1, y1, x2, y2, extra columns (e.g. score)
* ``part_boxes``: (K, 4) boxes of part crops (made by ``PartCrops``)
* ``gt_parts``: (P, 3) x, y, visible

Every geometric transform of mmfg maps them with one axis-aligned affine map
``x' = ax * x + bx``, ``y' = ay * y + by`` (resize, crop, flip are all of this
form), then clips boxes to the new image and marks parts that left it as
invisible (``visible = 0``; their coordinates are kept).
"""
import numpy as np

BOX_FIELDS = ('gt_bbox', 'gt_instance_bboxes', 'proposals', 'part_boxes')
POINT_FIELDS = ('gt_parts', )
COORD_FIELDS = BOX_FIELDS + POINT_FIELDS


def _map_boxes(boxes, ax, bx, ay, by):
    boxes = np.array(boxes, dtype=np.float32, copy=True)
    single = boxes.ndim == 1
    b = boxes[None] if single else boxes
    xs = b[:, [0, 2]] * ax + bx
    ys = b[:, [1, 3]] * ay + by
    b[:, 0], b[:, 2] = xs.min(1), xs.max(1)  # a flip swaps x1 and x2
    b[:, 1], b[:, 3] = ys.min(1), ys.max(1)
    return b[0] if single else b


def apply_affine(results, ax=1., bx=0., ay=1., by=0.):
    """Map every coordinate field of ``results`` in place, then clip to
    ``results['img_shape']`` (h, w)."""
    for key in BOX_FIELDS:
        if results.get(key) is not None:
            results[key] = _map_boxes(results[key], ax, bx, ay, by)
    for key in POINT_FIELDS:
        if results.get(key) is not None:
            pts = np.array(results[key], dtype=np.float32, copy=True)
            pts[:, 0] = pts[:, 0] * ax + bx
            pts[:, 1] = pts[:, 1] * ay + by
            results[key] = pts
    clip_to_image(results)
    return results


def clip_to_image(results):
    """Clip boxes to the image; parts outside it become invisible."""
    h, w = results['img_shape'][:2]
    for key in BOX_FIELDS:
        if results.get(key) is not None:
            b = results[key]
            b[..., 0:4:2] = np.clip(b[..., 0:4:2], 0, w)
            b[..., 1:4:2] = np.clip(b[..., 1:4:2], 0, h)
    for key in POINT_FIELDS:
        if results.get(key) is not None:
            p = results[key]
            outside = (p[:, 0] < 0) | (p[:, 0] >= w) | (p[:, 1] < 0) | (
                p[:, 1] >= h)
            p[outside, 2] = 0
    return results


def has_coords(results):
    return any(results.get(k) is not None for k in COORD_FIELDS)
