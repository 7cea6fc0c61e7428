"""GoogLeNet / Inception-v1 (Szegedy et al., "Going deeper with
convolutions", CVPR 2015) as an MMPretrain-style backbone.

MMPretrain has no Inception-v1; this reuses torchvision's implementation and
keeps its module names, so torchvision's ImageNet checkpoint loads through
``init_cfg=dict(type='Pretrained', checkpoint=...)`` (its ``fc``/``aux*``
keys are then reported as unused). Only the deepest output is used (as in
RACNN, Cai et al. Sec. II-B): no auxiliary classifiers.

Input normalisation: torchvision's ImageNet GoogLeNet file was trained on
inputs in about [-1, 1] (``(x - 0.5) / 0.5`` of the [0, 1] image) and is
meant to be used with ``transform_input=True``, which maps ImageNet
mean/std-normalised inputs (what the mmfg configs feed) to that range.
``transform_input=True`` is the default here, as in torchvision's
``googlenet(weights=...)``.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.models import GoogLeNet as TVGoogLeNet

from mmfg.registry import MODELS

STAGES = ('conv1', 'maxpool1', 'conv2', 'conv3', 'maxpool2', 'inception3a',
          'inception3b', 'maxpool3', 'inception4a', 'inception4b',
          'inception4c', 'inception4d', 'inception4e', 'maxpool4',
          'inception5a', 'inception5b')


@MODELS.register_module()
class GoogLeNet(BaseModule):
    """Inception-v1 feature extractor.

    Args:
        transform_input (bool): map ImageNet mean/std-normalised inputs to
            the [-1, 1] range torchvision's ImageNet weights expect (per
            channel ``x * std / 0.5 + (mean - 0.5) / 0.5``). Defaults to
            True (torchvision's setting for its pretrained file).
        norm_eval (bool): keep every BatchNorm in eval mode during training
            (running statistics frozen), e.g. for the Table II protocol.
            Defaults to False.
        init_cfg (dict, optional): e.g. a Pretrained torchvision checkpoint.

    Shapes: (N, 3, H, W) -> ((N, 1024, H/32, W/32), ); use it with
    ``GlobalAveragePooling`` + ``LinearClsHead(in_channels=1024)``.
    """

    # ImageNet channel statistics of the [0, 1] image (torchvision's).
    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self,
                 transform_input: bool = True,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.transform_input = transform_input
        self.norm_eval = norm_eval
        tv = TVGoogLeNet(
            num_classes=1000,
            aux_logits=False,
            transform_input=False,
            init_weights=True)
        for name in STAGES:
            setattr(self, name, getattr(tv, name))

    def _transform_input(self, x):
        scale = torch.tensor([s / 0.5 for s in self.STD],
                             dtype=x.dtype,
                             device=x.device).view(1, 3, 1, 1)
        shift = torch.tensor([(m - 0.5) / 0.5 for m in self.MEAN],
                             dtype=x.dtype,
                             device=x.device).view(1, 3, 1, 1)
        return x * scale + shift

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        if self.transform_input:
            x = self._transform_input(x)
        for name in STAGES:
            x = getattr(self, name)(x)
        return (x, )

    def train(self, mode=True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
