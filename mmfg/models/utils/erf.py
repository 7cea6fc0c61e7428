"""Effective receptive field (ERF) sizes, Lelekas et al. Sec. 3.2, Eq. (1).

For a chain of layers with kernel ``k_i`` and stride ``s_i``::

    r_i = r_{i-1} + (k_i - 1) * m_{i-1}
    m_i = m_{i-1} * s_i,        r_0 = 1, m_0 = 1

``r_i`` is the side (in input pixels) of the square input region a unit of
layer ``i`` sees; ``m_i`` is the cumulative stride ("jump") of layer ``i``.
Pooling layers count like convolutions; a dilated kernel counts with its
effective size ``d (k - 1) + 1``. The formula holds for chains; in residual
networks it is applied to the longest path (the shortcuts are shorter).
"""
from typing import Iterable, List, Sequence, Tuple, Union

import torch.nn as nn

from ..backbones.topdown_arch import ArchSpec, get_arch

_SHORTCUT_NAMES = ('shortcut', 'downsample')


def erf_sizes(layers: Iterable[Sequence]) -> List[Tuple[int, int]]:
    """ERF ``r_i`` and cumulative stride ``m_i`` after each layer.

    Args:
        layers: ``(kernel, stride)`` or ``(name, kernel, stride)`` items.

    Returns:
        list[tuple[int, int]]: ``(r_i, m_i)`` for ``i = 1..n``.
    """
    r, m, out = 1, 1, []
    for layer in layers:
        k, s = layer[-2:]
        r = r + (k - 1) * m
        m = m * s
        out.append((r, m))
    return out


def _pair0(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def module_layers(module: nn.Module) -> List[Tuple[str, int, int]]:
    """``(name, effective kernel, stride)`` of the Conv2d / MaxPool2d /
    AvgPool2d layers of a chain-like module, in registration order
    (= forward order for sequential bottom-up nets). Residual shortcut
    branches (``shortcut`` / ``downsample`` sub-modules) are skipped. Only
    the first spatial dimension is reported (square kernels)."""
    layers = []
    for name, mod in module.named_modules():
        if any(part in _SHORTCUT_NAMES for part in name.split('.')):
            continue
        if isinstance(mod, nn.Conv2d):
            k, s = _pair0(mod.kernel_size), _pair0(mod.stride)
            d = _pair0(mod.dilation)
        elif isinstance(mod, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s = _pair0(mod.kernel_size), _pair0(mod.stride
                                                   or mod.kernel_size)
            d = _pair0(getattr(mod, 'dilation', 1))
        else:
            continue
        layers.append((name, d * (k - 1) + 1, s))
    return layers


def erf_table(model: Union[str, dict, ArchSpec, nn.Module, Sequence[Sequence]],
              num_classes=None) -> List[dict]:
    """Per-layer ERF report.

    Args:
        model: a bottom-up :class:`TopDownNet` (its stage description is
            used), an arch name / dict / :class:`ArchSpec`, any chain-like
            ``nn.Module`` (walked with :func:`module_layers`), or a list of
            ``(name, kernel, stride)``.
        num_classes (int, optional): for arch descriptions: include the
            1x1 class convolution.

    Returns:
        list[dict]: one ``dict(name, kernel, stride, erf, jump)`` per layer.
    """
    if isinstance(model, (str, dict, ArchSpec)):
        layers = get_arch(model).main_path_layers(num_classes)
    elif isinstance(model, nn.Module):
        if hasattr(model, 'level_specs') and hasattr(model, 'arch'):
            if model.mode != 'bu':
                raise ValueError(
                    'Eq. (1) describes a chain of layers; a Top-Down network '
                    'merges paths of different ERF at every resolution '
                    'merge (paper Sec. 3.2). Use the BU description instead.')
            layers = model.arch.main_path_layers(model.num_classes)
        else:
            layers = module_layers(model)
    else:
        layers = [
            tuple(layer) if len(layer) == 3 else (f'layer{i}', *layer)
            for i, layer in enumerate(model)
        ]
    return [
        dict(name=name, kernel=k, stride=s, erf=r, jump=m)
        for (name, k, s), (r, m) in zip(layers, erf_sizes(layers))
    ]
