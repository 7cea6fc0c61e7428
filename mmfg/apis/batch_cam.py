"""Class activation maps of the images an :class:`~mmfg.apis.FGInferencer`
just classified, as overlays (``tools/inference.py --cam-dir``).

:class:`InferencerCAM` records what the model's data preprocessor handed the
model during an inferencer call (the normalised batch and, for part/patch
models, the crops ``parts`` / ``part_valid``) and explains each image's
predicted class with :class:`mmfg.visualization.cam.ClassifierCAM` at the
default target layer (:func:`~mmfg.visualization.cam.default_target_layer`).
The images are not decoded or preprocessed a second time, and a part/patch
model's patch source does not run again.

Part/patch models (:class:`~mmfg.models.classifiers.TwoStreamClassifier`):
the map explains the GLOBAL image with the crops held fixed: the model is
seen as ``inputs -> model(inputs, mode='tensor', parts=..., part_valid=...)``
(the fused logits of the prediction) for that batch, and the gradients flow
into the global stream's layer only. A local-only model (no global stream)
has nothing to explain: refused with a :class:`~mmfg.utils.ConfigError`.
"""
import contextlib
from typing import TYPE_CHECKING, Iterator, List, Optional, Sequence

import cv2
import numpy as np
import torch
import torch.nn as nn

from mmfg.utils.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from .inferencer import FGInferencer

#: weight of the colour map in :func:`overlay_cam`
CAM_ALPHA = 0.5


class _FixedExtras(nn.Module):
    """``x -> model(x, mode='tensor', **extras)`` (crops held fixed)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.extras = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, mode='tensor', **self.extras)


class InferencerCAM:
    """CAMs of the batches an inferencer runs.

    Args:
        inferencer (FGInferencer): its ``model`` is explained.
        method (str): a :data:`~mmfg.visualization.cam.CAM_METHODS` name.
        target_layer (str, optional): dotted module name; default the
            model's last convolutional feature map.

    Raises:
        ConfigError: the model has no layer a CAM can weigh (no global
            backbone, e.g. a local-only part model), or an unknown method.

    Use::

        with cam.recording():
            results = inferencer(paths, batch_size=len(paths))
        maps = cam.maps([r['pred_label'] for r in results])
    """

    def __init__(self,
                 inferencer: 'FGInferencer',
                 method: str = 'gradcam',
                 target_layer: Optional[str] = None) -> None:
        from mmfg.visualization.cam import (ClassifierCAM,
                                            default_target_layer,
                                            get_target_layer)

        model = inferencer.model
        self.model = model
        name = type(model).__name__
        if getattr(model, 'backbone', None) is None:
            raise ConfigError(
                f'--cam-dir: the {name} of this config has no global stream '
                '(backbone) whose feature map a CAM can weigh; leave '
                '--cam-dir out for this model')
        try:
            layer_name = target_layer or default_target_layer(model)
            layer = get_target_layer(model, layer_name)
        except ConfigError as exc:  # the option is --cam-layer here
            msg = str(exc).replace('--target-layer', '--cam-layer')
            raise ConfigError(f'--cam-dir: {msg}') from None
        self.layer_name = layer_name
        self.net = _FixedExtras(model)
        self.cam = ClassifierCAM(self.net, target_layer=layer, method=method)
        self.batches: List[dict] = []
        self._recording = False
        self._hook = model.data_preprocessor.register_forward_hook(
            self._record)

    def remove(self) -> None:
        """Stop watching the model's data preprocessor."""
        self._hook.remove()

    def _record(self, module, args, output) -> None:
        if self._recording and isinstance(output, dict):
            self.batches.append(output)

    @contextlib.contextmanager
    def recording(self) -> Iterator['InferencerCAM']:
        """Record the data preprocessor's outputs of the calls inside."""
        self.batches = []
        self._recording = True
        try:
            yield self
        finally:
            self._recording = False

    def maps(self, labels: Sequence[int]) -> List[dict]:
        """One CAM per recorded image, in order.

        Args:
            labels (Sequence[int]): the class to explain per image (the
                predicted ones).

        Returns:
            list[dict]: ``cam`` float32 ``(h, w)`` in [0, 1] over the
            network input (its unpadded ``img_shape``), ``input`` the
            network input as an image (``(h, w)`` grey or ``(h, w, 3)``
            BGR uint8, the normalisation undone) and ``whole``: whether the
            input is the whole original image resized (no crop), so the
            map can be stretched over the original.
        """
        out = []
        labels = list(labels)
        for batch in self.batches:
            inputs = batch['inputs']
            num = len(inputs)
            self.net.extras = {
                k: batch[k]
                for k in ('parts', 'part_valid') if batch.get(k) is not None
            }
            try:
                with torch.enable_grad():
                    maps = self.cam(
                        inputs.detach().float(), targets=labels[:num])
            finally:
                self.net.extras = {}
            samples = batch.get('data_samples') or [None] * num
            for i in range(num):
                meta = samples[i].metainfo if samples[i] is not None else {}
                h, w = meta.get('img_shape', inputs.shape[-2:])[:2]
                out.append(
                    dict(
                        cam=maps[i, :h, :w].numpy(),
                        input=self.input_image(inputs[i, :, :h, :w]),
                        whole=covers_whole_image(meta)))
            labels = labels[num:]
        if labels:
            raise RuntimeError(f'{len(labels)} more labels than recorded '
                               'images')
        return out

    def input_image(self, x: torch.Tensor) -> np.ndarray:
        """A normalised ``(C, h, w)`` network input -> uint8 image
        (``(h, w)`` grey or ``(h, w, 3)`` BGR)."""
        pre = self.model.data_preprocessor
        x = x.detach().float().cpu()
        if getattr(pre, '_enable_normalize', False):
            x = x * pre.std.cpu() + pre.mean.cpu()
        img = x.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        if img.shape[2] == 1:
            return np.ascontiguousarray(img[..., 0])
        if getattr(pre, 'to_rgb', False) or getattr(pre, '_channel_conversion',
                                                    False):
            img = img[..., ::-1]  # the model saw RGB
        return np.ascontiguousarray(img)


def covers_whole_image(meta: dict, tol: float = 1.) -> bool:
    """Whether a pipeline's output is the whole original image (only
    resized): ``img_shape`` equals ``ori_shape`` times the recorded
    ``scale_factor`` (w, h) within ``tol`` pixels, or ``ori_shape`` when no
    resize was recorded. A crop (``CenterCrop`` after a resize, a crop to a
    box) breaks the equality."""
    if 'ori_shape' not in meta or 'img_shape' not in meta:
        return False
    h0, w0 = meta['ori_shape'][:2]
    h, w = meta['img_shape'][:2]
    sw, sh = meta.get('scale_factor', (1., 1.))[:2]
    return abs(w - w0 * sw) <= tol and abs(h - h0 * sh) <= tol


def overlay_cam(img: np.ndarray,
                cam: np.ndarray,
                size: Optional[Sequence[int]] = None,
                interpolation: int = cv2.INTER_LINEAR,
                alpha: float = CAM_ALPHA) -> np.ndarray:
    """A CAM over its image: ``(1 - alpha) * image + alpha * jet(cam)``
    (OpenCV's ``COLORMAP_JET``: blue 0 -> red 1).

    Args:
        img (ndarray): ``(H, W)`` grey or ``(H, W, 3)`` BGR uint8.
        cam (ndarray): ``(h, w)`` in [0, 1] covering the whole ``img``
            (stretched to the output size, bilinear).
        size (tuple[int, int], optional): output ``(height, width)``
            (default ``img``'s); the image is resized to it with
            ``interpolation`` (e.g. what
            :func:`mmfg.visualization.prediction.display_size` gives).
        alpha (float): weight of the colour map.

    Returns:
        ndarray: ``(height, width, 3)`` BGR uint8.
    """
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    h, w = img.shape[:2]
    out_h, out_w = (h, w) if size is None else size
    if (out_h, out_w) != (h, w):
        img = cv2.resize(img, (out_w, out_h), interpolation=interpolation)
    cam = np.clip(np.asarray(cam, np.float32), 0., 1.)
    if cam.shape != (out_h, out_w):
        cam = cv2.resize(cam, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(
        np.round(cam * 255).astype(np.uint8), cv2.COLORMAP_JET)
    mixed = (1 - alpha) * img.astype(np.float32) + alpha * heat
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)
