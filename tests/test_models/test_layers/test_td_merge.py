"""TDMerge, the resolution merge of Lelekas et al. Sec. 3.2 / Fig. 3:
1x1 conv, (nearest) upsampling, element-wise addition with the
high-resolution branch, concatenation with it, 3x3 conv, BN before ReLU."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmfg.models.layers import TDMerge


def _randomise_bn(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + .5)
            m.weight.data.copy_(torch.randn(m.num_features, generator=g))
            m.bias.data.copy_(torch.randn(m.num_features, generator=g))


@pytest.mark.parametrize('low_hw,high_hw', [((4, 4), (8, 8)), ((4, 4), (7, 7)),
                                            ((7, 7), (14, 14))])
def test_output_shapes(low_hw, high_hw):
    merge = TDMerge(8, 6, 5)
    out = merge(torch.randn(2, 8, *low_hw), torch.randn(2, 6, *high_hw))
    assert out.shape == (2, 5) + high_hw


def test_structure_is_as_described():
    merge = TDMerge(8, 6, 5)
    # 1x1 conv on the low-resolution path, to the branch's width
    assert merge.lateral.conv.kernel_size == (1, 1)
    assert (merge.lateral.conv.in_channels,
            merge.lateral.conv.out_channels) == (8, 6)
    # 3x3 conv over [sum, branch] (2 x 6 channels)
    assert merge.fuse.conv.kernel_size == (3, 3)
    assert merge.fuse.conv.padding == (1, 1)
    assert (merge.fuse.conv.in_channels, merge.fuse.conv.out_channels) == (12,
                                                                           5)
    assert isinstance(merge.fuse.bn, nn.BatchNorm2d)
    # equal widths: no 1x1 conv (paper's LeNetFC/NIN TD_uni counts)
    assert TDMerge(6, 6, 6).lateral is None


@pytest.mark.parametrize('order,expected', [
    ('post', ['conv', 'bn', 'relu']),
    ('pre', ['bn', 'relu', 'conv']),
])
def test_batchnorm_runs_before_relu(order, expected):
    merge = TDMerge(4, 4, 3, order=order)
    calls = []
    for name in ('conv', 'bn', 'activate'):
        getattr(merge.fuse, name).register_forward_hook(
            lambda m, i, o, name=name: calls.append('relu' if name ==
                                                    'activate' else name))
    merge(torch.randn(2, 4, 3, 3), torch.randn(2, 4, 6, 6))
    assert calls == expected
    if order == 'pre':  # BN over the concatenation (2 x 4 channels)
        assert merge.fuse.bn.num_features == 8


def test_forward_equals_recipe_by_hand():
    """Recompute Fig. 3 step by step with torch primitives; nearest
    upsampling by 2 is written as repeat_interleave."""
    torch.manual_seed(0)
    merge = TDMerge(8, 6, 5, conv_bias=True)
    _randomise_bn(merge)
    merge.eval()
    low, high = torch.randn(2, 8, 4, 5), torch.randn(2, 6, 8, 10)

    def cbr(cm, x, pad):
        assert cm.conv.bias is not None
        y = F.conv2d(x, cm.conv.weight, cm.conv.bias, padding=pad)
        bn = cm.bn
        y = (y - bn.running_mean[:, None, None]
             ) / torch.sqrt(bn.running_var[:, None, None] + bn.eps)
        y = y * bn.weight[:, None, None] + bn.bias[:, None, None]
        return torch.relu(y)

    lat = cbr(merge.lateral, low, 0)
    up = lat.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    summed = up + high
    cat = torch.cat([summed, high], dim=1)
    expected = cbr(merge.fuse, cat, 1)
    torch.testing.assert_close(merge(low, high), expected)


def test_1x1_before_upsampling_equals_after_in_training_mode():
    """Docstring claim: with nearest upsampling by an integer factor, the
    1x1 conv + BN (batch statistics) + ReLU commutes with the upsampling."""
    torch.manual_seed(1)
    merge = TDMerge(8, 6, 5).train()
    low, high = torch.randn(3, 8, 4, 4), torch.randn(3, 6, 8, 8)
    ours = merge(low, high)
    up_first = low.repeat_interleave(2, 2).repeat_interleave(2, 3)
    lat = merge.lateral(up_first)
    expected = merge.fuse(torch.cat([lat + high, high], 1))
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=1e-4)


def test_both_inputs_receive_gradients():
    merge = TDMerge(4, 6, 5)
    low = torch.randn(2, 4, 3, 3, requires_grad=True)
    high = torch.randn(2, 6, 6, 6, requires_grad=True)
    merge(low, high).sum().backward()
    assert low.grad.abs().sum() > 0 and high.grad.abs().sum() > 0
