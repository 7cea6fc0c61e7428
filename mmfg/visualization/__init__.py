"""Visualisation: CAM saliency, figures of the analyses
(``mmfg.registry.VISUALIZERS``).

Importing this package (the registry location of mmfg's ``VISUALIZERS`` and
``VISBACKENDS``) also registers mmpretrain's visualizers
(``UniversalVisualizer``), which those registries fall back to.
"""
import mmpretrain.visualization  # noqa: F401

from .cam import (CAM_METHODS, ClassifierCAM, ClassifierLogits,
                  as_logits_module, class_activation_maps,
                  default_target_layer, get_target_layer)
from .cam_figures import draw_cam_column, draw_cam_grid, to_display
from .robustness_plot import plot_accuracy_loss

__all__ = [
    'CAM_METHODS', 'ClassifierCAM', 'ClassifierLogits', 'as_logits_module',
    'class_activation_maps', 'default_target_layer', 'get_target_layer',
    'draw_cam_column', 'draw_cam_grid', 'to_display', 'plot_accuracy_loss'
]
