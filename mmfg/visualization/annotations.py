"""Draw object boxes and part points on images and tile them into a grid
(``tools/visualization/browse_dataset.py``).

Coordinates follow :mod:`mmfg.datasets.transforms.coords`: continuous
pixels, pixel ``i`` spans ``[i, i + 1)``; a box ``x1, y1, x2, y2`` covers
the pixels ``x1 .. x2 - 1``.
"""
import cv2
import numpy as np

#: BGR colours: object boxes, proposals / part boxes, parts (cycled)
BOX_COLOR = (0, 255, 0)
EXTRA_BOX_COLOR = (255, 160, 0)
PART_COLORS = ((0, 0, 255), (0, 200, 255), (255, 0, 255), (255, 255, 0),
               (0, 128, 255), (128, 0, 255), (255, 0, 128), (0, 255, 128))


def to_bgr(img):
    """``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` image (uint8, or float
    in [0, 1]) -> ``(H, W, 3)`` uint8 BGR."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        scale = 255. if img.size and img.max() <= 1. else 1.
        img = np.clip(img * scale, 0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(img)


def draw_annotations(img,
                     bboxes=None,
                     keypoints=None,
                     extra_boxes=None,
                     scale=1,
                     title=None,
                     thickness=1):
    """Draw boxes and parts on an image enlarged ``scale`` times.

    Args:
        img (np.ndarray): (H, W[, C]) image (see :func:`to_bgr`).
        bboxes (np.ndarray, optional): (M, 4) object boxes x1, y1, x2, y2
            (``gt_bboxes``), drawn green.
        keypoints (np.ndarray, optional): (N, P, 2 or 3) points x, y[,
            visible] (``gt_keypoints``); part ``p`` gets ``PART_COLORS[p]``,
            a filled dot when visible, a ring when not.
        extra_boxes (np.ndarray, optional): (K, 4+) further boxes
            (``proposals``, ``part_boxes``), drawn orange.
        scale (int): nearest-neighbour enlargement of the image (the
            coordinates follow).
        title (str, optional): text written in a strip above the image.
        thickness (int): line thickness in output pixels.

    Returns:
        np.ndarray: (H * scale [+ strip], W * scale, 3) uint8 BGR.
    """
    scale = max(1, int(scale))
    out = to_bgr(img)
    h, w = out.shape[:2]
    out = cv2.resize(
        out, (w * scale, h * scale), interpolation=cv2.INTER_NEAREST)

    def box(b, color):
        x1, y1, x2, y2 = (float(v) * scale for v in b[:4])
        p1 = (int(round(x1)), int(round(y1)))
        p2 = (int(round(x2)) - 1, int(round(y2)) - 1)
        cv2.rectangle(out, p1, p2, color, thickness)

    if extra_boxes is not None:
        extra = np.asarray(extra_boxes)
        for b in extra.reshape(-1, extra.shape[-1]):
            box(b, EXTRA_BOX_COLOR)
    if bboxes is not None:
        for b in np.asarray(bboxes).reshape(-1, 4):
            box(b, BOX_COLOR)
    if keypoints is not None:
        pts = np.asarray(keypoints, dtype=np.float64)
        pts = pts.reshape(-1, pts.shape[-2], pts.shape[-1])
        radius = max(2, scale)
        for inst in pts:
            for p, pt in enumerate(inst):
                visible = pt[2] > 0 if len(pt) > 2 else True
                centre = (int(round(pt[0] * scale)), int(round(pt[1] * scale)))
                cv2.circle(out, centre, radius,
                           PART_COLORS[p % len(PART_COLORS)],
                           -1 if visible else thickness)
    if title:
        strip = np.full((14, out.shape[1], 3), 255, np.uint8)
        cv2.putText(strip, str(title), (2, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (0, 0, 0), 1, cv2.LINE_AA)
        out = np.concatenate([strip, out], 0)
    return out


def tile_images(images, ncols, pad=4, pad_value=255):
    """Tile ``(H_i, W_i, 3)`` images into a grid of ``ncols`` columns
    (each cell as large as the largest image, top-left aligned).

    Returns:
        np.ndarray: (rows * (H + pad) + pad, ncols * (W + pad) + pad, 3).
    """
    if not images:
        raise ValueError('no images to tile')
    ncols = max(1, min(int(ncols), len(images)))
    nrows = -(-len(images) // ncols)
    ch = max(i.shape[0] for i in images)
    cw = max(i.shape[1] for i in images)
    grid = np.full((nrows * (ch + pad) + pad, ncols * (cw + pad) + pad, 3),
                   pad_value, np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, ncols)
        y, x = pad + r * (ch + pad), pad + c * (cw + pad)
        grid[y:y + img.shape[0], x:x + img.shape[1]] = img
    return grid
