"""Weakly supervised part / patch proposals:
CAM boxes and CS-parts from a trained classifier, COCO pseudo-box files an
MMDetection detector trains on, proposal-file writing, CorLoc / recall.

Generators are registered in :data:`.builder.PROPOSAL_GENERATORS`
(``CAMBoxes``, ``CSParts``, ``CentreBoxes``); the command-line tools are in
``tools/proposals/``.
"""
from .boxes import (centre_boxes, mask_box, nms_boxes, rescale_boxes,
                    saliency_boxes, whole_image_box)
from .builder import PROPOSAL_GENERATORS, build_generator
from .cam_boxes import CAMBoxes, CentreBoxes
from .coco import boxes_to_coco
from .cs_parts import CSParts, pooled_features, saliency_to_parts
from .detector import detector_pipeline, detector_proposals, empty_entries
from .metrics import box_iou, localization_scores

__all__ = [
    'centre_boxes', 'mask_box', 'nms_boxes', 'rescale_boxes', 'saliency_boxes',
    'whole_image_box', 'PROPOSAL_GENERATORS', 'build_generator', 'CAMBoxes',
    'CentreBoxes', 'boxes_to_coco', 'CSParts', 'pooled_features',
    'saliency_to_parts', 'box_iou', 'localization_scores', 'detector_pipeline',
    'detector_proposals', 'empty_entries'
]
