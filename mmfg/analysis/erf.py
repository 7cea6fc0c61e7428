"""Effective receptive field (ERF) sizes of Top-Down and bottom-up
networks (Lelekas et al., "Top-Down Networks", Sec. 3.2, Eq. 1).

For a chain of layers with kernel ``k_i`` and stride ``s_i``::

    r_i = r_{i-1} + (k_i - 1) * m_{i-1}
    m_i = m_{i-1} * s_i,        r_0 = 1, m_0 = 1

``r_i`` is the side (in input pixels) of the square input region a unit of
layer ``i`` sees; ``m_i`` is the cumulative stride ("jump") of layer ``i``
(:func:`erf_sizes`). Pooling layers count like convolutions; a dilated
kernel counts with its effective size ``d (k - 1) + 1``.

* BU network: one table, the layers of the longest input-to-output path
  (convolutions and poolings; residual shortcuts are parallel to it):
  :func:`erf_table`.
* TD network: Eq. 1 holds for chains, and a TD network merges paths of
  different ERF at every resolution merge (Sec. 3.2). :func:`td_chains`
  gives one chain per input scale: the Gaussian blur + subsampling that
  makes that input (TensorFlow's Gaussian resize: ``3 f`` taps for sigma
  ``f / 2``, stride = factor; see ``GaussianBlurPool.kernel_size``), the
  convolutions of that scale's branch and of every later level, where a
  nearest-neighbour upsampling by ``u`` counts as a layer of kernel 1 and
  stride ``1/u`` (it widens nothing and divides the jump). The last rows of
  the chains are the ERFs that meet at the output.
"""
from fractions import Fraction
from typing import Dict, Iterable, List, Sequence, Tuple, Union

import torch.nn as nn

from mmfg.models.backbones.topdown import TopDownNet
from mmfg.models.backbones.topdown_arch import ArchSpec, get_arch
from mmfg.utils.errors import ConfigError

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
        if isinstance(model, TopDownNet):
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


def _layers(module: nn.Module, prefix: str) -> List[Tuple[str, int, int]]:
    return [(f'{prefix}.{name}' if name else prefix, k, s)
            for name, k, s in module_layers(module)]


def _input_layer(backbone: TopDownNet, f: int) -> List[tuple]:
    """The Gaussian blur + subsampling that makes the input at 1/f."""
    if f == 1:
        return []
    blur = backbone.pyramid[str(f)]
    return [(f'input x1/{f} (Gaussian blur sigma {blur.sigma:.3g}, '
             'subsample)', blur.kernel_size, f)]


def _upsample(prev: int, nxt: int) -> List[tuple]:
    if nxt == prev:
        return []
    return [(f'upsample x{Fraction(prev, nxt)}', 1, Fraction(nxt, prev))]


def _merge_layers(merge: nn.Module, prefix: str) -> List[tuple]:
    """The coarse path through a :class:`TDMerge`: 1x1 conv (if any) and
    the fusing conv."""
    chain = []
    if merge.lateral is not None:
        chain += _layers(merge.lateral, f'{prefix}.lateral')
    return chain + _layers(merge.fuse, f'{prefix}.fuse')


def _after(backbone: TopDownNet, j: int) -> List[tuple]:
    """Layers from the output of level ``j`` to the network's output."""
    levels = list(backbone.stages)
    chain, prev = [], levels[j].factor
    for jj in range(j + 1, len(levels)):
        level = levels[jj]
        chain += _upsample(prev, level.factor)
        prev = level.factor
        if level.up is not None:
            chain += _layers(level.up, f'stages.{jj}.up')
        chain += _merge_layers(level.merge, f'stages.{jj}.merge')
        chain += _layers(level.units, f'stages.{jj}.units')
    if backbone.class_conv is not None:
        chain += _layers(backbone.class_conv, 'class_conv')
    return chain


def td_chains(backbone: TopDownNet) -> Dict[int, List[tuple]]:
    """``{factor: [(name, kernel, stride), ...]}``: for every input scale of
    a TD :class:`~mmfg.models.TopDownNet`, coarsest first, the chain of
    layers from the image to the output (strides may be fractions:
    upsampling). ResNet18-TD's extra 1/16 input enters the coarsest level
    through ``pre_branch`` and ``pre_merge``."""
    chains = {}
    levels = list(backbone.stages)
    first = levels[0]
    if first.pre_branch is not None:
        f = first.extra_factor
        chains[f] = (
            _input_layer(backbone, f) +
            _layers(first.pre_branch, 'stages.0.pre_branch') +
            _upsample(f, first.factor) +
            _merge_layers(first.pre_merge, 'stages.0.pre_merge') +
            _layers(first.units, 'stages.0.units') + _after(backbone, 0))
    for j, level in enumerate(levels):
        f = level.factor
        if f in chains:
            continue
        chain = _input_layer(backbone, f)
        if level.branch is not None:
            chain += _layers(level.branch, f'stages.{j}.branch')
        if level.pre_merge is not None:
            chain += _layers(level.pre_merge.fuse,
                             f'stages.{j}.pre_merge.fuse')
        if level.merge is not None:
            chain += _layers(level.merge.fuse, f'stages.{j}.merge.fuse')
        chain += _layers(level.units, f'stages.{j}.units')
        chains[f] = chain + _after(backbone, j)
    return chains


def _num(v):
    v = Fraction(v)
    return int(v) if v.denominator == 1 else float(v)


def table_rows(chain):
    """Rows ``{name, kernel, stride, erf, jump}`` of a layer chain."""
    return [
        dict(name=name, kernel=k, stride=_num(s), erf=_num(r), jump=_num(m))
        for (name, k, s), (r, m) in zip(chain, erf_sizes(chain))
    ]


def format_erf_table(title, rows):
    """The text table of ``rows`` under ``title`` (a leading blank line,
    no trailing newline)."""
    width = max([len(r['name']) for r in rows] + [5])
    lines = ['', title, f"{'layer':<{width}}  kernel  stride    ERF   jump"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {r['kernel']:>6}  "
                     f"{r['stride']:>6g}  {r['erf']:>5g}  {r['jump']:>5g}")
    return '\n'.join(lines)


def erf_tables(config):
    """ERF tables of the backbone of ``config`` (built without weights or
    data).

    Args:
        config (str | Config): the model config.

    Returns:
        dict: ``result`` (the JSON: ``layers`` for a non-TD backbone; ``bu``
        for a TD backbone in mode ``bu``; ``td`` (``{str(factor): rows}``)
        and ``bu`` (the same architecture bottom-up) for a TD network),
        ``tables`` (``[(title, rows)]`` in print order) and ``summary``
        (one line comparing the output ERFs, or None).
    """
    from mmfg.apis import load_config
    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    cfg = load_config(config)
    backbone_cfg = cfg.model.get('backbone', cfg.model)
    backbone = MODELS.build(backbone_cfg)
    result, tables, summary = {}, [], None
    if not isinstance(backbone, TopDownNet):
        rows = erf_table(backbone)
        if not rows:
            raise ConfigError(f'{type(backbone).__name__} has no Conv2d / '
                              'pooling layers to report')
        tables.append((f'{type(backbone).__name__} (modules in registration '
                       'order)', rows))
        result['layers'] = rows
        return dict(result=result, tables=tables, summary=summary)
    arch = backbone_cfg.get('arch')
    bu_rows = erf_table(backbone.arch, num_classes=backbone.num_classes)
    if backbone.mode == 'bu':
        tables.append((f'BU {arch}: longest path', bu_rows))
        result['bu'] = bu_rows
        return dict(result=result, tables=tables, summary=summary)
    result['td'] = {}
    for f, chain in td_chains(backbone).items():
        rows = table_rows(chain)
        tables.append((f'{backbone.mode.upper()} {arch}: path from the '
                       f'input at 1/{f} resolution', rows))
        result['td'][str(f)] = rows
    tables.append((f'BU {arch} (for comparison): longest path', bu_rows))
    result['bu'] = bu_rows
    summary = ('ERF at the output per input scale: ' +
               ', '.join(f"1/{f}: {rows[-1]['erf']}"
                         for f, rows in result['td'].items()) +
               f"; BU: {bu_rows[-1]['erf']}")
    return dict(result=result, tables=tables, summary=summary)
