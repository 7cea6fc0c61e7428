"""COCO-style json of class-agnostic pseudo boxes (category ``part``), the
annotation file mmdet's ``CocoDataset`` trains a detector on."""
import json
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np

CATEGORY = dict(id=1, name='part')


def boxes_to_coco(records: Sequence[dict],
                  min_score: Optional[float] = None) -> dict:
    """COCO dict from per-image boxes.

    Args:
        records (Sequence[dict]): one per image: ``file_name`` (relative to
            the detector's image folder), ``height``, ``width``, ``boxes``
            ``(n, 5)`` x1, y1, x2, y2, score in pixels of that image, and
            optionally ``key`` (the mmfg image key, kept as ``img_key``).
        min_score (float, optional): drop boxes scored below.

    Returns:
        dict: ``images``, ``annotations`` (``bbox`` = x, y, w, h; ``area``;
        ``iscrowd`` 0; ``score``; ``category_id`` 1) and ``categories``
        (``[{'id': 1, 'name': 'part'}]``); ids start at 1.
    """
    images, anns = [], []
    for i, rec in enumerate(records, 1):
        img = dict(
            id=i,
            file_name=rec['file_name'],
            height=int(rec['height']),
            width=int(rec['width']))
        if 'key' in rec:
            img['img_key'] = rec['key']
        images.append(img)
        for box in np.asarray(rec['boxes'], np.float64).reshape(-1, 5):
            if min_score is not None and box[4] < min_score:
                continue
            x1, y1, x2, y2, score = box.tolist()
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=i,
                    category_id=CATEGORY['id'],
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=0,
                    score=score))
    return dict(images=images, annotations=anns, categories=[CATEGORY])


def dump_coco(path: str, coco: dict) -> None:
    """Write a COCO dict as json (folders created)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(coco, f)
