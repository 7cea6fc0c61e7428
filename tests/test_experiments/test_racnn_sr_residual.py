"""sr_residual_study: accuracy with RACNN's SR residual as trained, replaced
by its mean and removed; residual size and input-dependent share, on a
classifier whose answers are known by hand."""
import pytest
import torch
import torch.nn as nn
from mmpretrain.structures import DataSample

from experiments.racnn.sr_residual import sr_residual_study
from mmfg.registry import MODELS
from mmfg.utils import register_all_modules


class _Offset(nn.Module):
    """An 'SR' output: ``a * x + b`` (b a constant image)."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x):
        return self.a * x + self.b


def _model(sr):
    register_all_modules()
    model = MODELS.build(
        dict(
            type='RACNN',
            sr=dict(type='SRLayers', in_channels=1),
            backbone=dict(type='LeNet5', num_classes=0),
            neck=None,
            head=dict(type='ClsHead')))
    # classifier: logits = [sum(x), -sum(x)] (a stand-in backbone)
    model.backbone = _SumNet()
    model.sr = sr
    return model.eval()


class _SumNet(nn.Module):

    def forward(self, x):
        s = x.flatten(1).sum(1)
        return (torch.stack([s, -s], 1), )


def _loader(x, y):
    samples = [DataSample().set_gt_label(int(t)) for t in y]
    return [dict(inputs=list(x), data_samples=samples)]


def test_constant_offset_has_no_input_dependent_part():
    """SR = a constant image b: the mean replacement is the model itself,
    the share is 0, the relative norm is ||b|| sqrt(N) / ||x||."""
    x = torch.tensor([-1., -0.2, 0.3, 2.]).view(4, 1, 1, 1).repeat(1, 1, 2, 2)
    y = torch.tensor([1, 1, 0, 0])
    b = torch.full((1, 1, 2, 2), 0.25)  # sum +1 per image
    res = sr_residual_study(_model(_Offset(0., b)), _loader(x, y))
    # with SR: sums -4+1, -0.8+1, 1.2+1, 8+1 -> classes 1, 0, 0, 0
    assert res['full'] == pytest.approx(75.)
    assert res['sr_mean'] == pytest.approx(75.)
    # without SR: sums -4, -0.8, 1.2, 8 -> 1, 1, 0, 0: all right
    assert res['sr_removed'] == pytest.approx(100.)
    assert res['input_dependent_share'] == pytest.approx(0., abs=1e-12)
    norm_x = float(x.pow(2).sum().sqrt())
    assert res['residual_rel_norm'] == pytest.approx(
        (4 * 4 * 0.25**2)**0.5 / norm_x)


def test_residual_proportional_to_the_input():
    """SR = 0.5 x on inputs of zero mean: r_bar = 0, the whole residual is
    input-dependent (share 1), relative norm 0.5; replacing it by its mean
    is removing it."""
    x = torch.tensor([-1., 1., -2., 2.]).view(4, 1, 1, 1).repeat(1, 1, 2, 2)
    y = torch.tensor([1, 0, 1, 0])
    res = sr_residual_study(_model(_Offset(0.5, 0.)), _loader(x, y))
    assert res['input_dependent_share'] == pytest.approx(1.)
    assert res['residual_rel_norm'] == pytest.approx(0.5)
    assert res['full'] == res['sr_mean'] == res['sr_removed'] == 100.
