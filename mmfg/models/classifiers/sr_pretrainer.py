"""p-RACNN: RACNN's SR layers pre-trained alone (Cai et al., "Convolutional
low-resolution fine-grained classification", Sec. II-C "Network Training").

Before RACNN is trained end to end, its three SR layers ``g`` are trained
alone with the mean square loss of eq. (4),

    min_g  1/2 sum_i || X_HR_i - X_LR_i - g(X_LR_i) ||^2,

on LR/HR patch pairs (:class:`mmfg.datasets.SRPatchDataset`), in RGB and
with the per-layer multipliers of the end-to-end training (sconv1/2 lr x1
decay x0.1, sconv3 lr x0.1 decay x0.1: ``paramwise_cfg`` in
``configs/_base_/schedules/adam-layerwise_lr1e-3_constant_20e.py``). Here the
loss is the mean over pixels and channels (``F.mse_loss``), which only
rescales eq. (4).

:class:`SRPretrainer` holds the layers under the same key prefix as
:class:`~mmfg.models.classifiers.RACNN` (``sr.``), and works on the values
RACNN's SR layers see: pixels normalised with the mean/std of the classifier
they are for (:class:`SRDataPreprocessor`, applied to LR and HR alike).
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel, ImgDataPreprocessor
from mmengine.structures import BaseDataElement

from mmfg.registry import MODELS
from mmfg.utils import ConfigError


@MODELS.register_module()
class SRDataPreprocessor(ImgDataPreprocessor):
    """Normalise LR inputs and HR targets alike.

    The inputs (LR patches) are processed as by
    :class:`mmengine.model.ImgDataPreprocessor` (to the device, optional
    channel flip, float, ``(x - mean) / std``, stacked to (N, C, h, w)); the
    ``gt_key`` field of every data sample (the HR patch, (C, h, w)) gets the
    same channel flip and normalisation and is written back as float.

    Args:
        mean (Sequence[float], optional): per-channel mean (1 or 3 values),
            the classifier's (e.g. ImageNet's [123.675, 116.28, 103.53]).
        std (Sequence[float], optional): per-channel std.
        bgr_to_rgb (bool): flip BGR inputs to RGB. ``SRPatchDataset`` gives
            RGB already, so the default is False.
        rgb_to_bgr (bool): flip RGB inputs to BGR.
        gt_key (str): the data-sample field with the HR target.
        non_blocking (bool): non-blocking device transfer.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 gt_key: str = 'gt_img',
                 non_blocking: bool = False) -> None:
        super().__init__(
            mean=mean,
            std=std,
            bgr_to_rgb=bgr_to_rgb,
            rgb_to_bgr=rgb_to_bgr,
            non_blocking=non_blocking)
        self.gt_key = gt_key

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        for sample in data.get('data_samples') or []:
            if sample is not None and self.gt_key in sample:
                sample.set_field(
                    self.normalize(sample.get(self.gt_key)), self.gt_key)
        return data

    def normalize(self, img: torch.Tensor) -> torch.Tensor:
        """(..., C, h, w) pixels -> float, channel-flipped and normalised as
        the inputs."""
        img = self.cast_data(img)
        if self._channel_conversion and img.size(-3) == 3:
            img = img.flip(-3)
        img = img.float()
        if self._enable_normalize:
            img = (img - self.mean) / self.std
        return img

    def destruct(self, img: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`normalize`: (..., C, h, w) normalised ->
        pixels (float, same channel order as the data)."""
        if self._enable_normalize:
            img = img * self.std + self.mean
        if self._channel_conversion and img.size(-3) == 3:
            img = img.flip(-3)
        return img


@MODELS.register_module()
class SRPretrainer(BaseModel):
    """Pre-trains RACNN's SR layers with eq. (4) (Cai et al. Sec. II-C).

    Args:
        sr (dict): the SR layers, as RACNN's ``sr``, e.g.
            ``dict(type='SRLayers', in_channels=3)``.
        data_preprocessor (dict | SRDataPreprocessor, optional): normalises
            LR and HR with the classifier's mean/std. Defaults to
            ``dict(type='SRDataPreprocessor')`` (no normalisation).
        init_cfg (dict, optional): see :class:`mmengine.model.BaseModule`.

    The state dict is ``sr.sconv{1,2,3}.{weight,bias}``, RACNN's keys: load
    the published checkpoint (``tools/misc/publish_model.py``) into RACNN
    with ``sr=dict(type='SRLayers', init_cfg=dict(type='Pretrained',
    checkpoint=..., prefix='sr.'))``.

    Modes (inputs: normalised LR (N, C, h, w)):

    - ``tensor``: the SR image ``LR + SR(LR)``, normalised, (N, C, h, w).
    - ``loss``: ``dict(loss_mse=mean((LR + SR(LR) - HR)^2))`` with the
      normalised HR of each sample's ``gt_img``.
    - ``predict``: the data samples with ``pred_img`` (LR + SR(LR)),
      ``lr_img`` (the bicubic input) and ``gt_img`` (HR), each (C, h, w) in
      pixel units (de-normalised), for :class:`mmfg.evaluation.SRMSEMetric`.
    """

    def __init__(self,
                 sr: dict = dict(type='SRLayers'),
                 data_preprocessor: Optional[Union[dict,
                                                   SRDataPreprocessor]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='SRDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        if not isinstance(data_preprocessor, SRDataPreprocessor):
            raise ConfigError(
                'SRPretrainer needs a data preprocessor that normalises the '
                'HR targets too: model.data_preprocessor=dict('
                f"type='SRDataPreprocessor', mean=..., std=...), got "
                f'{type(data_preprocessor).__name__}')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.sr = MODELS.build(sr)

    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[BaseDataElement]] = None,
        mode: str = 'tensor'
    ) -> Union[torch.Tensor, Dict[str, torch.Tensor], List[BaseDataElement]]:
        if mode == 'tensor':
            return inputs + self.sr(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def _targets(self, data_samples) -> torch.Tensor:
        key = self.data_preprocessor.gt_key
        if not data_samples or any(key not in s for s in data_samples):
            raise ConfigError(
                f'SRPretrainer needs the HR patch ("{key}") in every data '
                'sample: train it on SRPatchDataset')
        return torch.stack([s.get(key) for s in data_samples])

    def loss(self, inputs: torch.Tensor,
             data_samples: List[BaseDataElement]) -> dict:
        """MSE of ``LR + SR(LR)`` vs HR (normalised units), eq. (4)."""
        hr = self._targets(data_samples)
        return dict(loss_mse=F.mse_loss(inputs + self.sr(inputs), hr))

    def predict(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[BaseDataElement]] = None
    ) -> List[BaseDataElement]:
        """The SR, bicubic and HR images in pixel units, per sample."""
        dp = self.data_preprocessor
        pred = dp.destruct(inputs + self.sr(inputs))
        lr = dp.destruct(inputs)
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(len(inputs))]
        key = dp.gt_key
        for i, sample in enumerate(data_samples):
            sample.set_field(pred[i], 'pred_img')
            sample.set_field(lr[i], 'lr_img')
            if key in sample:
                sample.set_field(dp.destruct(sample.get(key)), key)
        return data_samples
