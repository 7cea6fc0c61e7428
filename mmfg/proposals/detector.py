"""Proposals of a trained MMDetection detector (RPN / Faster R-CNN) for
every image of an mmfg dataset: the stage after the detector is
trained on the pseudo boxes. Used by ``tools/proposals/generate.py``.

Images are the dataset's ORIGINAL images (``dataset.pipeline`` unused);
the detector's own test pipeline runs on them with image loading replaced
by an in-memory load and annotation loading dropped, so its boxes are in
original pixels. Boxes are clipped to the image, degenerate ones dropped
and ``mmcv.ops.nms`` keeps the ``num_boxes`` best.

Shapes: per image ``(N, 5)`` float32 ``x1, y1, x2, y2, score``, ``N <=
num_boxes``; image size ``(h, w)``; true boxes ``(M, 4)`` (``M = 0`` when
the dataset has none).
"""
import time
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar

from .boxes import nms_boxes

if TYPE_CHECKING:
    from mmengine.config import Config
    from mmengine.model import BaseModel

    from mmfg.datasets.base_dataset import FGVCDataset


def detector_pipeline(cfg: 'Config') -> Compose:
    """The detector config's test pipeline for in-memory images: the
    loading step -> ``mmdet.LoadImageFromNDArray``, no annotations."""
    steps = []
    for step in cfg.test_dataloader.dataset.pipeline:
        kind = step['type'].split('.')[-1]
        if kind == 'LoadAnnotations':
            continue
        if kind == 'LoadImageFromFile':
            step = dict(type='mmdet.LoadImageFromNDArray')
        steps.append(step)
    return Compose(steps)


def as_colour(img: np.ndarray) -> np.ndarray:
    """``img`` with 3 channels: a grey ``(h, w)`` or ``(h, w, 1)`` image
    gets 3 equal channels (what the detector was trained on)."""
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return img


def original_image(info: dict) -> np.ndarray:
    """The original image ``(h, w, 3)`` of a data info (idx datasets hold
    it in memory, the others have a file), grey made colour
    (:func:`as_colour`)."""
    img = info.get('img')
    if img is None:
        img = mmcv.imread(info['img_path'])
    return as_colour(img)


def detect_boxes(model: 'BaseModel',
                 images: Sequence[np.ndarray],
                 num_boxes: int = 10,
                 nms_iou: float = 0.5) -> List[np.ndarray]:
    """Boxes of ``model`` (an mmdet detector in eval mode) on a batch of
    original images ``(h, w)`` grey or ``(h, w, 3)`` BGR uint8, one forward
    pass: its test pipeline on the in-memory images, boxes clipped to the
    image, degenerate ones dropped, ``mmcv.ops.nms`` keeps the
    ``num_boxes`` best. Returns float32 ``(N, 5)`` per image in original
    pixels, ``N <= num_boxes``, best first."""
    if not len(images):
        return []
    with DefaultScope.overwrite_default_scope('mmdet'):
        pipeline = detector_pipeline(model.cfg)
        items = [
            pipeline(dict(img=as_colour(img), img_id=i))
            for i, img in enumerate(images)
        ]
        with torch.no_grad():
            results = model.test_step(pseudo_collate(items))
    out = []
    for img, res in zip(images, results):
        inst = res.pred_instances
        boxes = torch.cat([inst.bboxes, inst.scores[:, None]], 1).cpu()
        h, w = img.shape[:2]
        boxes[:, 0:4:2] = boxes[:, 0:4:2].clamp(0, w)
        boxes[:, 1:4:2] = boxes[:, 1:4:2].clamp(0, h)
        ok = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        out.append(nms_boxes(boxes[ok], nms_iou, num_boxes).numpy())
    return out


def detector_proposals(model: 'BaseModel',
                       dataset: 'FGVCDataset',
                       num_boxes: int = 10,
                       nms_iou: float = 0.5,
                       batch_size: int = 64,
                       progress: bool = True) -> tuple:
    """Run ``model`` (an mmdet detector in eval mode) over ``dataset``
    (:func:`detect_boxes` on its original images, ``batch_size`` at a
    time).

    Returns:
        tuple: ``(proposals, sizes, gts, seconds)``: ``{key: (N, 5)}`` and
        ``{key: (h, w)}`` keyed by ``dataset.proposal_key``, the list of
        true boxes ``(M, 4)`` in dataset order, and the wall time.
    """
    props, sizes, gts = {}, {}, []
    bar = ProgressBar(len(dataset)) if progress else None
    start = time.perf_counter()
    for lo in range(0, len(dataset), batch_size):
        images, keys = [], []
        for i in range(lo, min(lo + batch_size, len(dataset))):
            info = dataset.get_data_info(i)
            images.append(original_image(info))
            keys.append(dataset.proposal_key(info))
            sizes[keys[-1]] = images[-1].shape[:2]
            gt = info.get('gt_bboxes')
            gts.append(np.zeros((0, 4), np.float32) if gt is None else gt)
        for key, boxes in zip(keys,
                              detect_boxes(model, images, num_boxes, nms_iou)):
            props[key] = boxes
        if bar is not None:
            bar.update(len(keys))
    return props, sizes, gts, time.perf_counter() - start


def empty_entries(
    dataset: 'FGVCDataset',
    start: int = 0
) -> Tuple[Dict[str, np.ndarray], Dict[str, Tuple[int, int]]]:
    """``({key: (0, 5)}, {key: (h, w)})`` for the images ``start..`` of
    ``dataset``: the ``--pad-split`` entries that let a file made for the
    first images load in the whole split."""
    props, sizes = {}, {}
    for i in range(start, len(dataset)):
        info = dataset.get_data_info(i)
        key = dataset.proposal_key(info)
        img = info.get('img')
        sizes[key] = (img if img is not None else mmcv.imread(
            info['img_path'])).shape[:2]
        props[key] = np.zeros((0, 5), np.float32)
    return props, sizes
