"""Super-resolution error of RACNN's SR layers against bicubic up-sampling
(p-RACNN pre-training, Cai et al. Sec. II-C).

The SR layers are worth pre-training only if ``LR + SR(LR)`` is closer to the
HR image than the bicubic LR input already is; this metric reports both, so
the validation log shows the gain over bicubic.
"""
import math
from typing import Any, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmfg.registry import METRICS


def psnr_from_mse(mse: float, max_val: float = 255.) -> float:
    """Peak signal-to-noise ratio (dB) of a mean squared error in pixel
    units: ``10 log10(max_val^2 / mse)`` (inf for 0)."""
    return math.inf if mse <= 0 else 10 * math.log10(max_val**2 / mse)


@METRICS.register_module()
class SRMSEMetric(BaseMetric):
    """MSE and PSNR of the SR output and of the bicubic input vs HR.

    Each data sample (from ``SRPretrainer`` in ``predict`` mode) holds
    ``pred_img`` (LR + SR(LR)), ``lr_img`` (bicubic LR) and ``gt_img`` (HR),
    (C, h, w) in pixel units. The errors are pooled over every pixel and
    channel of the evaluation set before the PSNR is taken (a per-patch PSNR
    would be infinite on flat patches, e.g. Fashion-MNIST's background).

    Results (with the default prefix ``sr``): ``sr/mse``,
    ``sr/mse_bicubic``, ``sr/psnr``, ``sr/psnr_bicubic`` (dB) and
    ``sr/mse_ratio`` = mse / mse_bicubic (< 1: the SR layers beat bicubic).

    Args:
        max_val (float): peak pixel value for the PSNR (255).
        collect_device (str): 'cpu' or 'gpu' for distributed collection.
        prefix (str, optional): metric-name prefix; defaults to ``sr``.
    """
    default_prefix: Optional[str] = 'sr'

    def __init__(self,
                 max_val: float = 255.,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.max_val = max_val

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            gt = sample.get('gt_img').double()
            pred = sample.get('pred_img').double()
            lr = sample.get('lr_img').double()
            self.results.append((
                torch.sum((pred - gt)**2).item(),
                torch.sum((lr - gt)**2).item(),
                gt.numel(),
            ))

    def compute_metrics(self, results: List[tuple]) -> dict:
        sse, sse_bicubic, num = (sum(col) for col in zip(*results))
        mse, mse_bicubic = sse / num, sse_bicubic / num
        return dict(
            psnr=psnr_from_mse(mse, self.max_val),
            psnr_bicubic=psnr_from_mse(mse_bicubic, self.max_val),
            mse=mse,
            mse_bicubic=mse_bicubic,
            mse_ratio=mse / mse_bicubic if mse_bicubic > 0 else math.nan,
        )
