"""FLOPs and parameters of a config's model, multi-input aware
(``tools/analysis_tools/get_flops.py``).

The count is MMEngine's FLOP counter (fvcore's rules: one fused
multiply-add is one FLOP; ``mmengine.analysis.FlopAnalyzer``) through
:func:`mmfg.analysis.benchmark.count_flops`, the counter of the benchmark,
on ``model(inputs, mode='tensor', **rest)`` in eval mode: what the model
computes for one test image, every stream included.

The input is either

* the config's first test sample through its own test pipeline and data
  preprocessor (no ``--shape``; needs the dataset): the image size,
  channels, and for part/patch models the crops ``parts (1, K, C, h, w)``
  are exactly what the model sees; or
* synthetic tensors of the size ``(H, W)`` asked for: ``inputs (1, C, H, W)``
  with ``C`` the number of channels of the config's data preprocessor
  (its ``mean``: 1 for the grey Fashion-MNIST configs, 3 for colour ones),
  and, for part/patch models, ``K`` crops ``(1, K, C, h, w)`` (all valid)
  with ``K`` and ``(h, w)`` from the config (``PartCrops(num_parts,
  crop_size)`` in the test pipeline or the ``RoIAlignFGDataPreprocessor``'s
  ``num_parts`` and ``crop_size``). Crops cut by RoIAlign inside the data
  preprocessor are not counted (the preprocessor is not the model).

Operators the counter has no rule for (e.g. ``aten::lstm`` of the
Focus-Longer recurrent neck) count 0 and are listed in
``unsupported_ops``.
"""
import copy

import torch

from mmfg.utils.errors import ConfigError, DataError

#: top-level modules of a two-stream model's global / local stream
GLOBAL_MODULES = ('backbone', 'neck', 'head')
LOCAL_MODULES = ('local_backbone', 'local_neck', 'local_head')


def _pairs(size):
    if isinstance(size, int):
        return (size, size)
    return tuple(int(s) for s in size)


def input_channels(cfg):
    """Channels of the model's input: the length of the data preprocessor's
    ``mean`` (model's or top-level), else 3."""
    for pre in (cfg.get('model', {}).get('data_preprocessor'),
                cfg.get('data_preprocessor')):
        if isinstance(pre, dict) and pre.get('mean') is not None:
            return len(pre['mean'])
    return 3


def part_spec(cfg):
    """``(K, (h, w))``: the part/patch crops a config gives its model, from
    ``PartCrops`` in the test pipeline or a ``RoIAlignFGDataPreprocessor``;
    None for single-input models."""
    ds = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    steps = list(ds.get('pre_pipeline') or [])
    steps += list(ds.get('pipeline') or [])
    for step in steps:
        kind = step.get('type', '') if isinstance(step, dict) else ''
        if str(kind).split('.')[-1] == 'PartCrops':
            return int(step['num_parts']), _pairs(step['crop_size'])
    for pre in (cfg.get('model', {}).get('data_preprocessor'),
                cfg.get('data_preprocessor')):
        if isinstance(pre, dict) and 'num_parts' in pre \
                and 'crop_size' in pre:
            return int(pre['num_parts']), _pairs(pre['crop_size'])
    return None


def synthetic_data(cfg, shape, seed=0):
    """The model's inputs for one ``shape = (H, W)`` image (see the module
    docstring): a dict with ``inputs (1, C, H, W)``, ``data_samples`` and,
    for part/patch configs, ``parts (1, K, C, h, w)`` and ``part_valid
    (1, K)``."""
    from mmpretrain.structures import DataSample

    h, w = _pairs(shape)
    if h < 1 or w < 1:
        raise ConfigError(f'--shape {h} {w}: give a positive height and '
                          'width')
    gen = torch.Generator().manual_seed(seed)
    c = input_channels(cfg)
    data = dict(
        inputs=torch.randn(1, c, h, w, generator=gen),
        data_samples=[
            DataSample(
                metainfo=dict(
                    sample_idx=0, img_shape=(h, w), ori_shape=(h, w)))
        ])
    spec = part_spec(cfg)
    if spec is not None:
        k, (ph, pw) = spec
        data['parts'] = torch.randn(1, k, c, ph, pw, generator=gen)
        data['part_valid'] = torch.ones(1, k, dtype=torch.bool)
    return data


def dataset_data(cfg, model):
    """The first sample of ``cfg``'s test dataset through its pipeline and
    ``model``'s data preprocessor (what the model sees at test time)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope

    from mmfg.registry import DATASETS

    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    try:
        with DefaultScope.overwrite_default_scope('mmfg'):
            dataset = DATASETS.build(ds_cfg)
    except (FileNotFoundError, DataError) as exc:
        raise DataError(f'the test dataset of the config cannot be read '
                        f'({exc}); give --shape H W to count on a synthetic '
                        'input instead') from None
    if len(dataset) == 0:
        raise DataError('the test dataset of the config is empty; give '
                        '--shape H W')
    with torch.no_grad():
        return model.data_preprocessor(pseudo_collate([dataset[0]]), False)


def stream_flops(by_module):
    """``(global, local)`` FLOPs of a two-stream model from the counter's
    per-module figures (None when the model has no such modules)."""

    def total(names):
        found = [by_module[n] for n in names if n in by_module]
        return sum(found) if found else None

    return total(GLOBAL_MODULES), total(LOCAL_MODULES)


def config_complexity(cfg, shape=None, model=None, show_table=False):
    """FLOPs and parameters of ``cfg``'s model for one image.

    Args:
        cfg (Config): an mmfg or mmpretrain classifier config.
        shape (tuple[int, int], optional): ``(H, W)`` of a synthetic input;
            default the first test sample (needs the dataset).
        model (BaseModel, optional): the built model (default: built from
            ``cfg`` with random weights by :func:`mmfg.apis.init_model`).
        show_table (bool): add MMEngine's per-module table.

    Returns:
        dict: ``flops``, ``params``, ``by_module``, ``unsupported_ops`` (see
        :func:`~mmfg.analysis.benchmark.count_flops`), ``input_shape``
        ``(C, H, W)``, ``parts_shape`` ``(K, C, h, w)`` or None,
        ``global_flops`` / ``local_flops`` (two-stream models, else None),
        ``source`` (``'dataset'`` or ``'synthetic'``) and ``table``.
    """
    from mmfg.analysis.benchmark import count_flops

    if model is None:
        from mmengine.logging import MMLogger

        from mmfg.apis import init_model
        MMLogger.get_instance('mmengine').setLevel('WARNING')
        model = init_model(cfg)
    model.eval()
    if shape is None:
        data, source = dataset_data(cfg, model), 'dataset'
    else:
        data, source = synthetic_data(cfg, shape), 'synthetic'
    if data.get('parts') is None:
        data = {
            k: v
            for k, v in data.items() if k not in ('parts', 'part_valid')
        }
    with torch.no_grad():
        info = count_flops(model, data, show_table=show_table)
    glob, local = stream_flops(info['by_module'])
    parts = data.get('parts')
    info.update(
        input_shape=tuple(data['inputs'].shape[1:]),
        parts_shape=None if parts is None else tuple(parts.shape[1:]),
        global_flops=glob if local is not None else None,
        local_flops=local,
        source=source)
    return info


#: operators fvcore's convention leaves out (element-wise arithmetic,
#: activations, pooling, reductions, copies): not worth a warning
ELEMENTWISE_OPS = frozenset(
    f'aten::{n}'
    for n in ('add', 'sub', 'mul', 'div', 'exp', 'log', 'sqrt', 'rsqrt', 'pow',
              'reciprocal', 'neg', 'abs', 'clamp', 'clamp_min', 'clamp_max',
              'where', 'sum', 'mean', 'max', 'min', 'amax', 'softmax',
              'log_softmax', 'tanh', 'sigmoid', 'relu', 'relu_', 'gelu',
              'silu', 'hardtanh', 'leaky_relu', 'elu', 'max_pool2d',
              'avg_pool2d', 'adaptive_max_pool2d', 'clone', 'new_ones',
              'new_zeros', 'ones_like', 'zeros_like', 'linalg_vector_norm',
              'norm', 'square', 'rsub', 'cumsum', 'sort', 'argsort', 'topk',
              'gather', 'scatter', 'index', 'masked_fill', 'fill_', 'copy_',
              'floor', 'ceil', 'round', 'eq', 'ne', 'gt', 'lt', 'ge', 'le',
              'logical_and', 'any', 'all', 'dropout', 'feature_dropout',
              'expand_as', 'repeat'))


def split_unsupported(ops):
    """``(major, minor)``: operators without a FLOP rule that carry real
    work (e.g. ``aten::lstm``) and the element-wise rest."""
    major = {k: v for k, v in ops.items() if k not in ELEMENTWISE_OPS}
    minor = {k: v for k, v in ops.items() if k in ELEMENTWISE_OPS}
    return major, minor


def format_size(num):
    """``1234567`` -> ``'1.235M'`` (as MMEngine's counter prints)."""
    for div, unit in ((1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if abs(num) >= div:
            return f'{num / div:.3f}{unit}'
    return str(int(num))


def format_complexity(info, config_name=''):
    """The report ``get_flops.py`` prints (mmpretrain's layout)."""
    lines = ['=' * 30]
    if config_name:
        lines.append(f'Config: {config_name}')
    lines.append(f'Input shape: {info["input_shape"]} ({info["source"]})')
    if info['parts_shape'] is not None:
        k = info['parts_shape'][0]
        lines.append(f'Part crops: {k} x {info["parts_shape"][1:]}')
    lines.append(f'Flops: {format_size(info["flops"])} ({info["flops"]})')
    if info['local_flops'] is not None:
        if info['global_flops'] is not None:
            lines.append(
                f'  global stream: {format_size(info["global_flops"])}'
                f' ({info["global_flops"]})')
        lines.append(f'  local stream:  {format_size(info["local_flops"])} '
                     f'({info["local_flops"]})')
    lines.append(f'Params: {format_size(info["params"])} ({info["params"]})')
    major, minor = split_unsupported(info['unsupported_ops'])
    if major:
        ops = ', '.join(f'{k} x{v}' for k, v in sorted(major.items()))
        lines.append(f'Not counted (no FLOP rule): {ops}')
    if minor:
        lines.append(f'Not counted, as in fvcore: {sum(minor.values())} '
                     'element-wise / pooling / normalisation ops')
    lines.append('=' * 30)
    return '\n'.join(lines)
