"""Visualisation: CAM saliency, figures of the analyses
(``mmfg.registry.VISUALIZERS``)."""
from .annotations import draw_annotations, tile_images
from .cam import (CAM_METHODS, ClassifierCAM, ClassifierLogits,
                  as_logits_module, class_activation_maps,
                  default_target_layer, get_target_layer)
from .cam_figures import draw_cam_column, draw_cam_grid, to_display
from .prediction import (display_size, draw_prediction, prediction_lines,
                         save_prediction)
from .robustness_plot import plot_accuracy_loss
from .visualizer import FGVisualizer, sample_boxes

__all__ = [
    'CAM_METHODS', 'ClassifierCAM', 'ClassifierLogits', 'as_logits_module',
    'class_activation_maps', 'default_target_layer', 'get_target_layer',
    'draw_cam_column', 'draw_cam_grid', 'to_display', 'plot_accuracy_loss',
    'draw_annotations', 'tile_images', 'draw_prediction', 'save_prediction',
    'display_size', 'prediction_lines', 'FGVisualizer', 'sample_boxes'
]
