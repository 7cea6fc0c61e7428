"""Evaluation: metrics beyond mmpretrain's (``mmfg.registry.METRICS``) and
localisation scores of saliency maps."""
from .localization import (box_masks, cam_masks, mask_precision_recall,
                           object_masks, summarise_localization)
from .sr_metrics import SRMSEMetric  # noqa: F401

__all__ = [
    'object_masks', 'box_masks', 'cam_masks', 'mask_precision_recall',
    'summarise_localization'
]
