"""Crops that move the coordinate fields (see :mod:`.coords`).

``CenterCrop`` is MMCV's (which moves ``gt_bboxes`` / ``gt_keypoints``) plus
the extra box fields; ``RandomCrop`` and ``RandomResizedCrop`` are
mmpretrain's (which move nothing) plus every coordinate field, mapped with
the very parameters of the random draw. All are registered under the
upstream names in the ``mmfg`` scope: same arguments, same image, same
random draws.
"""
from mmcv.transforms import CenterCrop as _MMCVCenterCrop
from mmcv.transforms.utils import cache_random_params
from mmpretrain.datasets.transforms import RandomCrop as _MMPretrainRandomCrop
from mmpretrain.datasets.transforms import \
    RandomResizedCrop as _MMPretrainRandomResizedCrop

from mmfg.registry import TRANSFORMS
from .coords import EXTRA_BOX_FIELDS, apply_affine, has_coords


@TRANSFORMS.register_module()
class CenterCrop(_MMCVCenterCrop):
    """:class:`mmcv.transforms.CenterCrop` that also shifts ``proposals``
    and ``part_boxes`` (clipped to the crop)."""

    def _crop_bboxes(self, results, bboxes):
        super()._crop_bboxes(results, bboxes)
        apply_affine(results, 1., -float(bboxes[0]), 1., -float(bboxes[1]),
                     EXTRA_BOX_FIELDS)


def _crop_then_map(transform, base_cls, results, pad_left=0, pad_top=0):
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
class RandomResizedCrop(_MMPretrainRandomResizedCrop):
    """:class:`mmpretrain.datasets.transforms.RandomResizedCrop` that also
    maps every coordinate field through the crop and the resize."""

    def transform(self, results: dict) -> dict:
        return _crop_then_map(self, _MMPretrainRandomResizedCrop, results)


@TRANSFORMS.register_module()
class RandomCrop(_MMPretrainRandomCrop):
    """:class:`mmpretrain.datasets.transforms.RandomCrop` that also shifts
    every coordinate field, through ``padding`` and ``pad_if_needed``
    too."""

    def _padding(self):
        """(left, top, right, bottom) of ``padding`` in ``mmcv.impad``'s
        forms: one int, (left/right, top/bottom) or (left, top, right,
        bottom)."""
        pad = self.padding
        if pad is None:
            return 0, 0, 0, 0
        if isinstance(pad, int):
            return pad, pad, pad, pad
        if len(pad) == 2:
            return pad[0], pad[1], pad[0], pad[1]
        return tuple(pad)

    def transform(self, results: dict) -> dict:
        left, top, right, bottom = self._padding()
        if self.pad_if_needed:  # as mmpretrain: half of the lack, rounded up
            h, w = results['img'].shape[:2]
            top += -(-max(0, self.crop_size[0] - (h + top + bottom)) // 2)
            left += -(-max(0, self.crop_size[1] - (w + left + right)) // 2)
        return _crop_then_map(self, _MMPretrainRandomCrop, results, left, top)
