"""GoogLeNet / Inception-v1 (Szegedy et al., "Going deeper with
convolutions", CVPR 2015) as an MMPretrain-style backbone.

MMPretrain has no Inception-v1; this reuses torchvision's implementation and
keeps its module names, so torchvision's ImageNet checkpoint loads through
``init_cfg=dict(type='Pretrained', checkpoint=...)`` (its ``fc``/``aux*``
keys are then reported as unused). Only the deepest output is used (as in
RACNN, Cai et al. Sec. II-B): no auxiliary classifiers.
"""
from mmengine.model import BaseModule
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
        init_cfg (dict, optional): e.g. a Pretrained torchvision checkpoint.

    Shapes: (N, 3, H, W) -> ((N, 1024, H/32, W/32), ); use it with
    ``GlobalAveragePooling`` + ``LinearClsHead(in_channels=1024)``.
    """

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        tv = TVGoogLeNet(
            num_classes=1000,
            aux_logits=False,
            transform_input=False,
            init_weights=True)
        for name in STAGES:
            setattr(self, name, getattr(tv, name))

    def forward(self, x):
        for name in STAGES:
            x = getattr(self, name)(x)
        return (x, )
