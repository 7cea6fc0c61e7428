"""LeNet-5 that keeps the batch axis at batch size 1."""
from typing import Tuple

import torch
from mmpretrain.models.backbones import LeNet5 as _MMPretrainLeNet5

from mmfg.registry import MODELS


@MODELS.register_module()
class LeNet5(_MMPretrainLeNet5):
    """:class:`mmpretrain.models.backbones.LeNet5` with the batch axis kept.

    mmpretrain's ``forward`` flattens the ``(B, 120, 1, 1)`` features with
    ``squeeze()``, which also removes the batch axis when ``B == 1``: one
    image gives a ``(num_classes,)`` output and the head fails with
    ``IndexError: Dimension out of range``. This class flattens with
    ``flatten(1)`` instead; modules and parameter names are unchanged, so
    checkpoints of either class load into the other. Registered in mmfg's
    scope under the same name, so configs with ``type='LeNet5'`` get it.

    Shapes: input ``(B, 1, 32, 32)``; output a 1-tuple of ``(B,
    num_classes)`` logits (``num_classes > 0``) or of the ``(B, 120, 1, 1)``
    features (``num_classes <= 0``), as mmpretrain's.
    """

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.features(x)
        if self.num_classes > 0:
            x = self.classifier(x.flatten(1))
        return (x, )
