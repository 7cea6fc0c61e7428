"""CAM / Grad-CAM boxes: weakly supervised boxes from a classifier's class
activation map of its PREDICTED class (never the label).

The maps come from :class:`mmfg.visualization.cam.ClassifierCAM` (the one
CAM module of mmfg, shared with the Top-Down localisation and the
Focus-Longer per-step maps); boxes from :func:`.boxes.saliency_boxes`
(threshold at fractions of the maximum, 8-connected components, a box per
component scored by its share of the map's mass, NMS, N best). This is the
CAM-box rule of Zhou et al., "Learning Deep Features for Discriminative
Localization", CVPR 2016, Sec. 3.1 (they keep the largest component at 20%
of the maximum), with several thresholds to give N ranked boxes.
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmfg.visualization.cam import ClassifierCAM
from .boxes import centre_boxes, saliency_boxes
from .builder import PROPOSAL_GENERATORS


@PROPOSAL_GENERATORS.register_module()
class CAMBoxes:
    """Boxes of the thresholded CAM of the predicted class.

    Args:
        model (nn.Module): the classifier (an mmpretrain/mmfg
            ``ImageClassifier`` or any inputs -> logits module).
        target_layer (str, optional): the CAM layer (default: the last
            convolutional map, :func:`~mmfg.visualization.cam.
            default_target_layer`).
        method (str): CAM method (``'gradcam'``, ``'gradcam++'``, ...).
        normalize (str): ``'minmax'`` or ``'mean'`` (see ``ClassifierCAM``).
        thresholds (Sequence[float]): fractions of each map's maximum.
        num_boxes (int): N boxes per image at most.
        iou_thr (float): NMS IoU across thresholds.

    After a call ``last_pred`` holds the predicted classes ``(B,)`` and
    ``last_maps`` the maps ``(B, H, W)`` in [0, 1].
    """

    def __init__(self,
                 model: nn.Module,
                 target_layer: Optional[str] = None,
                 method: str = 'gradcam',
                 normalize: str = 'minmax',
                 thresholds: Sequence[float] = (0.4, 0.2, 0.6),
                 num_boxes: int = 5,
                 iou_thr: float = 0.7) -> None:
        self.cam = ClassifierCAM(
            model,
            target_layer=target_layer,
            method=method,
            normalize=normalize)
        self.thresholds = tuple(thresholds)
        self.num_boxes = num_boxes
        self.iou_thr = iou_thr
        self.last_pred = self.last_maps = None

    def __call__(self,
                 inputs: torch.Tensor,
                 images: Optional[torch.Tensor] = None) -> List[np.ndarray]:
        """Boxes of ``inputs`` ``(B, C, H, W)`` (normalised model inputs);
        returns B float32 ``(n, 5)`` arrays, ``1 <= n <= num_boxes``, in
        input pixels."""
        with torch.no_grad():
            logits = self.cam.net(inputs)
        pred = logits.argmax(dim=1)
        maps = self.cam(inputs, targets=pred).numpy()
        self.last_pred, self.last_maps = pred.cpu().numpy(), maps
        return [
            saliency_boxes(m, self.thresholds, self.num_boxes, self.iou_thr)
            for m in maps
        ]


@PROPOSAL_GENERATORS.register_module()
class CentreBoxes:
    """The centre-box baseline: boxes centred on every image, sides a
    fraction of the image's (first fraction = top box).

    Args:
        fractions (Sequence[float]): side fractions, best first.
        model: ignored (a generator's common signature).
    """

    def __init__(self,
                 fractions: Sequence[float] = (0.5, 0.35, 0.7),
                 model: Optional[nn.Module] = None) -> None:
        self.fractions = tuple(fractions)
        self.last_pred = None

    def __call__(self,
                 inputs: torch.Tensor,
                 images: Optional[torch.Tensor] = None) -> List[np.ndarray]:
        h, w = inputs.shape[-2:]
        box = centre_boxes(h, w, self.fractions)
        return [box.copy() for _ in range(len(inputs))]


__all__ = ['CAMBoxes', 'CentreBoxes']
