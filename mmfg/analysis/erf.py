"""Per-layer effective receptive field (ERF) tables of Top-Down and
bottom-up networks (Lelekas et al., "Top-Down Networks", Sec. 3.2, Eq. 1).

``r_i = r_{i-1} + (k_i - 1) m_{i-1}``, ``m_i = m_{i-1} s_i`` (input pixels;
the formula is :func:`mmfg.models.utils.erf_sizes`).

* BU network: one table, the layers of the longest input-to-output path
  (convolutions and poolings; residual shortcuts are parallel to it).
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

from mmfg.utils.errors import ConfigError


def _layers(module, prefix):
    from mmfg.models.utils import module_layers
    return [(f'{prefix}.{name}' if name else prefix, k, s)
            for name, k, s in module_layers(module)]


def td_chains(backbone):
    """``{factor: [(name, kernel, stride), ...]}``: for every input scale of
    a TD :class:`~mmfg.models.TopDownNet`, the chain of layers from the
    image to the output (strides may be fractions: upsampling)."""
    levels = backbone.level_specs
    stages = list(backbone.stages)
    chains = {}
    for j, (lv, stage) in enumerate(zip(levels, stages)):
        f = lv.factor
        if f in chains:
            continue
        chain = []
        if f > 1:
            blur = backbone.pyramid[str(f)]
            chain.append(
                (f'input x1/{f} (Gaussian blur sigma '
                 f'{blur.sigma:.3g}, subsample)', blur.kernel_size, f))
        if hasattr(stage, 'branch'):
            chain += _layers(stage.branch, f'stages.{j}.branch')
        if hasattr(stage, 'merge'):
            chain += _layers(stage.merge.fuse, f'stages.{j}.merge.fuse')
        chain += _layers(stage.units, f'stages.{j}.units')
        prev = f
        for jj in range(j + 1, len(levels)):
            nxt, m = levels[jj].factor, stages[jj]
            if nxt != prev:
                chain.append((f'upsample x{Fraction(prev, nxt)}', 1,
                              Fraction(nxt, prev)))
            prev = nxt
            if hasattr(m, 'up'):
                chain += _layers(m.up, f'stages.{jj}.up')
            if hasattr(m, 'merge'):
                if m.merge.lateral is not None:
                    chain += _layers(m.merge.lateral,
                                     f'stages.{jj}.merge.lateral')
                chain += _layers(m.merge.fuse, f'stages.{jj}.merge.fuse')
            chain += _layers(m.units, f'stages.{jj}.units')
        if backbone.class_conv is not None:
            chain += _layers(backbone.class_conv, 'class_conv')
        chains[f] = chain
    return chains


def _num(v):
    v = Fraction(v)
    return int(v) if v.denominator == 1 else float(v)


def table_rows(chain):
    """Rows ``{name, kernel, stride, erf, jump}`` of a layer chain."""
    from mmfg.models.utils import erf_sizes
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
    from mmfg.models import TopDownNet
    from mmfg.models.utils import erf_table
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
