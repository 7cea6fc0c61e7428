"""``RandomFlip`` that moves the extra box fields (see :mod:`.coords`)."""
from mmcv.transforms import RandomFlip as _MMCVRandomFlip

from mmfg.registry import TRANSFORMS
from .coords import EXTRA_BOX_FIELDS


@TRANSFORMS.register_module()
class RandomFlip(_MMCVRandomFlip):
    """:class:`mmcv.transforms.RandomFlip` (which flips ``gt_bboxes`` and
    ``gt_keypoints``) that also flips ``proposals`` and ``part_boxes``,
    with MMCV's own box flip; registered under the same name in the
    ``mmfg`` scope."""

    def _flip(self, results):
        super()._flip(results)
        img_shape = results['img'].shape[:2]
        for key in EXTRA_BOX_FIELDS:
            if results.get(key) is not None:
                boxes = results[key].copy()
                boxes[..., :4] = self._flip_bbox(boxes[..., :4], img_shape,
                                                 results['flip_direction'])
                results[key] = boxes
