"""Geometric transforms that carry ``gt_bbox``, ``proposals``, ``part_boxes``
and ``gt_parts`` along with the image (see :mod:`.coords`).

Each one is the MMCV/MMPretrain transform of the same name (same arguments,
same image result, same random draws) plus the coordinate update; use them
in pipelines of part-based methods instead of the plain ones.
"""
import math

from mmcv.transforms import CenterCrop, RandomFlip, Resize
from mmcv.transforms.utils import cache_random_params
from mmpretrain.datasets.transforms import (RandomCrop, RandomResizedCrop,
                                            ResizeEdge)

from mmfg.utils.errors import ConfigError
from mmfg.registry import TRANSFORMS
from .coords import apply_affine, has_coords


class _ScaleFactorMixin:
    """For resizes that record ``results['scale_factor'] = (w_s, h_s)``."""

    def transform(self, results):
        results = super().transform(results)
        if has_coords(results):
            w_s, h_s = results['scale_factor']
            apply_affine(results, w_s, 0., h_s, 0.)
        return results


@TRANSFORMS.register_module()
class BoxAwareResize(_ScaleFactorMixin, Resize):
    """:class:`mmcv.transforms.Resize` that also scales the coordinate
    fields."""


@TRANSFORMS.register_module()
class BoxAwareResizeEdge(_ScaleFactorMixin, ResizeEdge):
    """:class:`mmpretrain.datasets.transforms.ResizeEdge` that also scales
    the coordinate fields."""


@TRANSFORMS.register_module()
class BoxAwareRandomFlip(RandomFlip):
    """:class:`mmcv.transforms.RandomFlip` that also flips the coordinate
    fields (x -> w - x, y -> h - y)."""

    def transform(self, results):
        results = super().transform(results)
        if results.get('flip') and has_coords(results):
            h, w = results['img_shape'][:2]
            direction = results['flip_direction']
            ax, bx, ay, by = 1., 0., 1., 0.
            if direction in ('horizontal', 'diagonal'):
                ax, bx = -1., float(w)
            if direction in ('vertical', 'diagonal'):
                ay, by = -1., float(h)
            apply_affine(results, ax, bx, ay, by)
        return results


@TRANSFORMS.register_module()
class BoxAwareCenterCrop(CenterCrop):
    """:class:`mmcv.transforms.CenterCrop` that also shifts the coordinate
    fields (boxes clipped, parts outside the crop made invisible)."""

    def _crop_keypoints(self, results, bboxes):
        super()._crop_keypoints(results, bboxes)
        if has_coords(results):
            apply_affine(results, 1., -float(bboxes[0]), 1., -float(bboxes[1]))


def _crop_then_map(transform, base_cls, results, pad_left=0., pad_top=0.):
    """Run ``base_cls.transform`` (an mmpretrain crop whose random draw is
    the ``@cache_randomness`` method ``rand_crop_params``) and map the
    coordinates with the very parameters it drew."""
    with cache_random_params(transform):
        results = base_cls.transform(transform, results)
        if not has_coords(results):
            return results
        # inside the context the call returns the cached draw made above
        off_h, off_w, crop_h, crop_w = transform.rand_crop_params(None)
    out_h, out_w = results['img_shape'][:2]
    sx, sy = out_w / crop_w, out_h / crop_h
    apply_affine(results, sx, (pad_left - off_w) * sx, sy,
                 (pad_top - off_h) * sy)
    return results


@TRANSFORMS.register_module()
class BoxAwareRandomResizedCrop(RandomResizedCrop):
    """:class:`mmpretrain.datasets.transforms.RandomResizedCrop` that also
    maps the coordinate fields through the crop and the resize."""

    def transform(self, results):
        return _crop_then_map(self, RandomResizedCrop, results)


@TRANSFORMS.register_module()
class BoxAwareRandomCrop(RandomCrop):
    """:class:`mmpretrain.datasets.transforms.RandomCrop` that also shifts
    the coordinate fields. ``padding`` is not supported with coordinates
    (use ``pad_if_needed``)."""

    def transform(self, results):
        if self.padding is not None and has_coords(results):
            raise ConfigError('BoxAwareRandomCrop: padding= with coordinate '
                              'fields is not supported; use pad_if_needed')
        pad_left = pad_top = 0
        if self.pad_if_needed:
            h, w = results['img'].shape[:2]
            pad_top = math.ceil(max(0, self.crop_size[0] - h) / 2)
            pad_left = math.ceil(max(0, self.crop_size[1] - w) / 2)
        return _crop_then_map(self, RandomCrop, results, pad_left, pad_top)
