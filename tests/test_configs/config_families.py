"""Families of configs: the configs that run the same training step.

A grid of configs (every method on every dataset, learning-rate and
schedule variants) repeats a few architectures many times. The config test
builds every config but trains ONE per family. The family of a config is
the tuple

* **method**: the model's *skeleton*: its type and the type of every part
  (neck, heads, losses, ...) with their string / bool options (code paths
  such as ``aggregation='sum'`` or ``fusion='logits'``); numbers (class
  counts, loss weights, step counts) are left out;
* **backbone**: every ``*backbone`` dict in full (type, arch / depth, mode,
  widths), less what only changes the weights or their training
  (``init_cfg``, ``pretrained``, ``frozen_stages``, ``norm_eval``) and the
  class count;
* **input protocol**: the data preprocessor's skeleton and the training
  pipeline: step types in order with their sizes (``scale``, ``crop_size``,
  ``size``, ...) and string / bool options (where part boxes come from,
  how many there are and in which order, ``PartCrops`` ``source``,
  ``num_parts`` and ``part_order``, are the dataset's like its class count
  and left out: the model sees crops of the same size);
* **optimizer**: the skeleton of ``optim_wrapper`` (wrapper and optimizer
  types, parameter-group names), without learning rate, momentum or decay.

So two configs that differ only in the dataset (data root, class count,
split, annotation files) or in numbers of the schedule (learning rate,
epochs, milestones) fall into one family. Everything here reads config
dicts only; nothing is built.
"""
import json

#: keys that never enter a family key (weights and data, not the step)
IGNORED = frozenset({
    'init_cfg', 'pretrained', 'frozen_stages', 'norm_eval', 'num_classes',
    'data_root', 'ann_file', 'proposal_file', 'split', 'data_prefix',
    'indices', 'source', 'part_order'
})
#: numeric pipeline / preprocessor options that fix the input tensor shape
SIZE_KEYS = frozenset({
    'scale', 'crop_size', 'size', 'scale_size', 'edge', 'output_size',
    'patch_size', 'lr_size', 'hr_size', 'upscale'
})


def skeleton(obj, keep=frozenset()):
    """``obj`` with numbers dropped (except under the keys in ``keep``),
    ``IGNORED`` keys removed, dicts and lists recursed, strings, bools and
    ``None`` kept (``type`` is a string: always kept)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in IGNORED:
                continue
            if k in keep:
                out[k] = v
            elif isinstance(v, (dict, list, tuple)):
                out[k] = skeleton(v, keep)
            elif v is None or isinstance(v, (str, bool)):
                out[k] = v
        return out
    if isinstance(obj, (list, tuple)):
        return [skeleton(v, keep) for v in obj]
    return obj if isinstance(obj, (str, bool)) or obj is None else '#'


def _full(obj):
    """``obj`` less the ``IGNORED`` keys (any depth)."""
    if isinstance(obj, dict):
        return {k: _full(v) for k, v in obj.items() if k not in IGNORED}
    if isinstance(obj, (list, tuple)):
        return [_full(v) for v in obj]
    return obj


def _plain(cfg_part):
    """A config node as plain Python (ConfigDict -> dict)."""
    if hasattr(cfg_part, 'to_dict'):
        return cfg_part.to_dict()
    return cfg_part


def method_of(cfg):
    model = _plain(cfg.get('model')) or {}
    return skeleton({
        k: v
        for k, v in model.items() if not k.endswith('backbone')
    })


def backbone_of(cfg):
    model = _plain(cfg.get('model')) or {}
    return {k: _full(v) for k, v in model.items() if k.endswith('backbone')}


def input_protocol_of(cfg):
    loader = _plain(cfg.get('train_dataloader')) or {}
    dataset = loader.get('dataset') or {}
    pipeline = dataset.get('pipeline')
    if pipeline is None and isinstance(dataset.get('dataset'), dict):
        pipeline = dataset['dataset'].get('pipeline')  # wrappers
    pre = _plain(cfg.get('data_preprocessor'))
    model_pre = (_plain(cfg.get('model')) or {}).get('data_preprocessor')
    return dict(
        data_preprocessor=skeleton(pre, SIZE_KEYS),
        model_preprocessor=skeleton(model_pre, SIZE_KEYS),
        pipeline=skeleton(pipeline or [], SIZE_KEYS))


def optimizer_of(cfg):
    return skeleton(_plain(cfg.get('optim_wrapper')))


def family_key(cfg):
    """``(method, backbone, input protocol, optimizer)`` of a config, each
    as sorted-key JSON (hashable, readable in a failure message)."""
    return tuple(
        json.dumps(part, sort_keys=True, default=str)
        for part in (method_of(cfg), backbone_of(cfg), input_protocol_of(cfg),
                     optimizer_of(cfg)))


def families(configs):
    """``{key: [path, ...]}`` of ``{path: cfg}``, members in path order;
    the first member of a family is the one that trains."""
    out = {}
    for path in sorted(configs):
        out.setdefault(family_key(configs[path]), []).append(path)
    return out
