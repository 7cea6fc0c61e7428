"""Low-resolution protocol of RACNN (Cai et al., Sec. 4.1 "Datasets"):
images are resized to the network size, down-sampled with bicubic
interpolation to s x s (s = 25, 50 or 100) and up-sampled back with bicubic
interpolation, so that the network sees a blurred image of its usual size.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform

from mmfg.registry import TRANSFORMS
from .coords import apply_affine, has_coords


def _pair(size, name):
    if isinstance(size, int) and size > 0:
        return size, size
    if (isinstance(size, (tuple, list)) and len(size) == 2
            and all(isinstance(s, int) and s > 0 for s in size)):
        return tuple(size)
    raise ValueError(f'{name} must be an int or a (w, h) pair of positive '
                     f'ints, got {size!r}')


def bicubic_resize(img, size_wh, antialias=True):
    """Bicubic resize of an (H, W[, C]) image with Keys' kernel (a = -0.5,
    as PIL and MATLAB's imresize) and, when shrinking, the kernel stretched
    by the scale factor (anti-aliasing). Computed in float; uint8 inputs are
    rounded and clipped back to uint8.

    Returns:
        np.ndarray: (h, w[, C]) with ``(w, h) = size_wh``.
    """
    w, h = size_wh
    t = torch.from_numpy(np.ascontiguousarray(img)).float()
    t = t[None, None] if img.ndim == 2 else t.permute(2, 0, 1)[None]
    # torch's anti-aliased bicubic uses a = -0.5 also when enlarging
    out = F.interpolate(
        t,
        size=(h, w),
        mode='bicubic',
        align_corners=False,
        antialias=antialias)
    if img.dtype == np.uint8:
        out = out.round().clamp(0, 255).to(torch.uint8)
    else:
        out = out.to(torch.from_numpy(img[:0]).dtype)
    out = out[0, 0] if img.ndim == 2 else out[0].permute(1, 2, 0)
    return out.numpy()


@TRANSFORMS.register_module()
class LowResolution(BaseTransform):
    """Bicubic down to ``size`` (anti-aliased) then bicubic up to
    ``out_size``; the low-resolution image is stored as 8-bit, as an image
    file would be.

    Args:
        size (int | tuple[int, int]): low resolution s or (w, h), e.g. 50.
        out_size (int | tuple[int, int], optional): size after up-sampling,
            e.g. 227 or 224. Defaults to the input size.
        antialias (bool): anti-alias the down-sampling. Defaults to True.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape`` and the
    coordinate fields (scaled to the output size). Added keys:
    ``low_res_shape`` (h, w).
    """

    def __init__(self,
                 size: Union[int, Tuple[int, int]],
                 out_size: Optional[Union[int, Tuple[int, int]]] = None,
                 antialias: bool = True) -> None:
        self.size = _pair(size, 'size')
        self.out_size = None if out_size is None else _pair(
            out_size, 'out_size')
        self.antialias = antialias

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        out_w, out_h = self.out_size or (w, h)
        low = bicubic_resize(img, self.size, self.antialias)
        results['img'] = bicubic_resize(low, (out_w, out_h), self.antialias)
        results['img_shape'] = (out_h, out_w)
        results['low_res_shape'] = low.shape[:2]
        if has_coords(results):
            apply_affine(results, out_w / w, 0., out_h / h, 0.)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, '
                f'out_size={self.out_size}, antialias={self.antialias})')
