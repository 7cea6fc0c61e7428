"""Resizes that move the coordinate fields (see :mod:`.coords`).

``Resize`` is MMCV's (which moves ``gt_bboxes`` / ``gt_keypoints``) plus
the extra box fields; ``ResizeEdge`` is mmpretrain's (which moves nothing)
plus every coordinate field. Both are registered under the upstream names
in the ``mmfg`` scope: same arguments, same image, same ``scale_factor``.
"""
from mmcv.transforms import Resize as _MMCVResize
from mmpretrain.datasets.transforms import ResizeEdge as _MMPretrainResizeEdge

from mmfg.registry import TRANSFORMS
from .coords import COORD_FIELDS, EXTRA_BOX_FIELDS, apply_affine, has_coords


def _scale_fields(results, fields):
    """Scale ``fields`` by ``results['scale_factor'] = (w_s, h_s)``."""
    if has_coords(results, fields):
        w_s, h_s = results['scale_factor']
        apply_affine(results, w_s, 0., h_s, 0., fields)
    return results


@TRANSFORMS.register_module()
class Resize(_MMCVResize):
    """:class:`mmcv.transforms.Resize` that also scales ``proposals`` and
    ``part_boxes`` (MMCV scales ``gt_bboxes`` and ``gt_keypoints``)."""

    def transform(self, results: dict) -> dict:
        return _scale_fields(super().transform(results), EXTRA_BOX_FIELDS)


@TRANSFORMS.register_module()
class ResizeEdge(_MMPretrainResizeEdge):
    """:class:`mmpretrain.datasets.transforms.ResizeEdge` that also scales
    every coordinate field."""

    def transform(self, results: dict) -> dict:
        return _scale_fields(super().transform(results), COORD_FIELDS)
