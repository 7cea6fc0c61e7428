"""RACNN: resolution-aware CNN (Cai et al., "Convolutional low-resolution
fine-grained classification", Sec. 2 "Resolution-aware CNN").

Three convolutional super-resolution (SR) layers (SRCNN-style) are put in
front of a classification CNN and trained end to end with it:

    sconv1 9x9, 64 ch -> ReLU -> sconv2 5x5, 32 ch -> ReLU -> sconv3 5x5, C ch

zero-padded so the size is kept; their output is a residual added to the
(low-resolution, bicubically up-sampled) input image, and the sum goes to
the classification backbone. g-RACNN initialises the SR layers from a
Gaussian (std 0.001, Sec. 2.3); p-RACNN loads SR layers pre-trained with an
MSE loss on low/high-resolution patch pairs (``tools/racnn/pretrain_sr.py``).
"""
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import initialize

from mmfg.registry import MODELS


class SRLayers(BaseModule):
    """The three convolutional SR layers; returns the residual.

    Args:
        in_channels (int): image channels C (3 for RGB, 1 for grey).
        channels (tuple[int, int]): widths of sconv1 and sconv2.
        kernels (tuple[int, int, int]): kernel sizes (odd; padding k // 2).
        init_cfg (dict, optional): default Gaussian std 0.001, bias 0.

    Shapes: (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, in_channels=3, channels=(64, 32), kernels=(9, 5, 5),
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.001,
                               bias=0.)):
        super().__init__(init_cfg=init_cfg)
        if any(k % 2 == 0 for k in kernels):
            raise ValueError(f'SR kernel sizes must be odd, got {kernels}')
        widths = (in_channels, ) + tuple(channels) + (in_channels, )
        for i, k in enumerate(kernels):
            setattr(self, f'sconv{i + 1}',
                    nn.Conv2d(widths[i], widths[i + 1], k, padding=k // 2))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.relu(self.sconv1(x))
        x = self.relu(self.sconv2(x))
        return self.sconv3(x)


@MODELS.register_module()
class RACNN(BaseModule):
    """SR layers + any registered classification backbone.

    Args:
        backbone (dict): the classification backbone, e.g.
            ``dict(type='VGG', depth=16, num_classes=200)`` (the
            "categorisation layers"); its ``init_cfg`` loads its ImageNet
            weights.
        in_channels (int): image channels. Defaults to 3.
        sr_channels (tuple[int, int]): widths of sconv1/sconv2 (64, 32).
        sr_kernels (tuple[int, int, int]): kernel sizes (9, 5, 5).
        sr_init_cfg (dict, optional): init of the SR layers; default Gaussian
            std 0.001 (g-RACNN); ``dict(type='Pretrained', checkpoint=...)``
            for p-RACNN with a checkpoint of ``tools/racnn/pretrain_sr.py``.
        backbone_init_cfg (dict, optional): applied to the backbone after
            every other init, for backbones without ``init_cfg`` support
            (mmpretrain's LeNet5, AlexNet): e.g. ``dict(type='Pretrained',
            checkpoint='cls.pth', prefix='backbone.')`` loads the backbone
            of an MMPretrain-layout classifier checkpoint.
        init_cfg (dict, optional): init of the whole module.

    The paper's per-layer learning rates and its Table II protocol (frozen
    categorisation layers) are optimizer settings: see ``paramwise_cfg`` in
    ``configs/_base_/schedules/racnn_*.py``.

    Shapes: (N, C, H, W) -> whatever the backbone returns (a tuple).
    """

    def __init__(self, backbone, in_channels=3, sr_channels=(64, 32),
                 sr_kernels=(9, 5, 5), sr_init_cfg=None,
                 backbone_init_cfg=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.backbone_init_cfg = backbone_init_cfg
        sr_kwargs = {} if sr_init_cfg is None else dict(init_cfg=sr_init_cfg)
        self.sr = SRLayers(in_channels, sr_channels, sr_kernels, **sr_kwargs)
        self.backbone = MODELS.build(backbone)

    def init_weights(self):
        super().init_weights()
        if self.backbone_init_cfg is not None:
            initialize(self.backbone, self.backbone_init_cfg)

    def forward(self, x):
        return self.backbone(x + self.sr(x))
