"""Evaluation: metrics beyond mmpretrain's (``mmfg.registry.METRICS``) and
localisation scores of saliency maps.

Importing this package (the registry location of mmfg's ``METRICS`` and
``EVALUATORS``) also registers mmpretrain's metrics, which those registries
fall back to.
"""
import mmpretrain.evaluation  # noqa: F401

from .localization import (box_masks, cam_masks, mask_precision_recall,
                           object_masks, summarise_localization)
from .sr_metrics import SRMSEMetric  # noqa: F401

__all__ = [
    'object_masks', 'box_masks', 'cam_masks', 'mask_precision_recall',
    'summarise_localization'
]
