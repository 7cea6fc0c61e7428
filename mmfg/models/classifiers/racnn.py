"""RACNN: resolution-aware CNN (Cai et al., "Convolutional low-resolution
fine-grained classification", Sec. II-A).

The paper's model is a plain classification CNN ("categorisation layers":
AlexNet, VGG-16, GoogLeNet) with three convolutional super-resolution layers
in front of it, trained end to end. Here it is exactly that: mmpretrain's
:class:`~mmpretrain.models.ImageClassifier` whose ``extract_feat`` first adds
the SR residual to the input image (:class:`mmfg.models.layers.SRLayers`).
The backbone/neck/head keys are the plain classifier's, so a checkpoint of
the baseline config loads into RACNN with ``load_from`` and no key mapping
(only the ``sr.*`` keys are new).
"""
from typing import Tuple

import torch
from mmpretrain.models import ImageClassifier

from mmfg.registry import MODELS


@MODELS.register_module()
class RACNN(ImageClassifier):
    """An image classifier with RACNN's SR front end.

    Args:
        sr (dict): the SR layers, e.g. ``dict(type='SRLayers',
            in_channels=3)``; their ``init_cfg`` chooses g-RACNN (Gaussian,
            the default) or p-RACNN (``dict(type='Pretrained',
            checkpoint=..., prefix='sr.')`` with a checkpoint of
            ``configs/racnn/srcnn-pretrain_*.py``).
        **kwargs: everything :class:`ImageClassifier` takes (backbone, neck,
            head, pretrained, train_cfg, data_preprocessor, init_cfg).

    The paper's per-layer learning rates and decays (Sec. II-C) and its
    Table II protocol (frozen categorisation layers) are optimizer settings:
    ``paramwise_cfg`` in ``configs/_base_/schedules/sgd-layerwise_*.py``.

    Shapes: ``extract_feat`` (N, C, H, W) -> the backbone's (and neck's)
    outputs for ``x + sr(x)``.
    """

    def __init__(self, sr: dict = dict(type='SRLayers'), **kwargs) -> None:
        super().__init__(**kwargs)
        self.sr = MODELS.build(sr)

    def extract_feat(self,
                     inputs: torch.Tensor,
                     stage: str = 'neck') -> Tuple[torch.Tensor, ...]:
        return super().extract_feat(inputs + self.sr(inputs), stage=stage)
