"""Hooks mmfg registers in its ``HOOKS`` registry, one per file."""
from .aux_loss_weight_hook import AuxLossWeightHook
from .bad_image_report_hook import BadImageReportHook
from .checkpoint_hook import CheckpointHook
from .class_num_check_hook import ClassNumCheckHook, label_out_of_range
from .invalid_loss_hook import CheckInvalidLossHook

__all__ = [
    'AuxLossWeightHook', 'BadImageReportHook', 'CheckpointHook',
    'ClassNumCheckHook', 'label_out_of_range', 'CheckInvalidLossHook'
]
