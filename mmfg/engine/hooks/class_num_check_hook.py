"""The model's class count checked against the data before the first
iteration, and the explanation of CrossEntropy's "Target N is out of bounds"
when the check could not run."""
import random
import re
from typing import TYPE_CHECKING, Optional

import numpy as np
import torch
from mmengine.model import is_model_wrapper
from mmpretrain.engine.hooks import \
    ClassNumCheckHook as _MMPretrainClassNumCheckHook

from mmfg.registry import HOOKS
from mmfg.utils.errors import ConfigError
from ..config_diagnosis import find_key_paths, get_key_path

if TYPE_CHECKING:
    from mmengine.runner import Runner


@HOOKS.register_module()
class ClassNumCheckHook(_MMPretrainClassNumCheckHook):
    """MMPretrain's ``ClassNumCheckHook`` (same name in the ``mmfg`` scope)
    with one-line errors: raise :class:`~mmfg.utils.errors.ConfigError` when
    the model's number of outputs differs from the class count of a dataset
    of this run (its ``metainfo['classes']`` and the labels of its
    annotation), naming the config key(s) to change.

    The model's class count is its head's ``num_classes``, else the width
    of its output on two real samples when a ``num_classes`` of the model
    config has that value (a model without a head, e.g. LeNet5); a model
    whose count cannot be read is not checked (:func:`label_out_of_range`
    explains the error training then meets).

    Checked before training (the training and validation sets, before the
    first iteration), or before a standalone validation or test; each set
    once. :class:`~mmfg.engine.FGRunner` adds this hook unless the
    top-level config key ``check_class_count`` is False.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked = set()

    def before_train(self, runner: 'Runner') -> None:
        self._check(runner, [('train_dataloader', runner.train_loop),
                             ('val_dataloader', runner.val_loop)])

    def before_val(self, runner: 'Runner') -> None:
        self._check(runner, [('val_dataloader', runner.val_loop)])

    def before_test(self, runner: 'Runner') -> None:
        self._check(runner, [('test_dataloader', runner.test_loop)])

    def _check(self, runner, loops):
        datasets = [(name, loop.dataloader.dataset) for name, loop in loops
                    if loop is not None and name not in self._checked]
        self._checked.update(name for name, _ in datasets)
        if not datasets:
            return
        cfg = runner.cfg
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        n_out, source = _num_outputs(model, datasets[0][1], cfg)
        if n_out is None:
            return
        for name, dataset in datasets:
            classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
            n_cls = len(classes) if classes else None
            labels = _gt_labels(dataset)
            top = int(labels.max()) if labels is not None and len(labels) \
                else None
            needed = max(n_cls or 0, (top + 1) if top is not None else 0)
            if not needed or needed == n_out:
                continue
            keys = [
                p for p in find_key_paths(
                    cfg.get('model'), 'num_classes', prefix='model') +
                find_key_paths(
                    cfg.get('data_preprocessor'),
                    'num_classes',
                    prefix='data_preprocessor')
                if get_key_path(cfg, p) == n_out
            ]
            seen = (f' (labels {int(labels.min())}..{top} in its '
                    'annotation)' if top is not None else '')
            count = f'{n_cls} classes' if n_cls else f'{needed} classes'
            if keys:
                fix = ('set ' + ', '.join(f'{k}={needed}' for k in keys) +
                       ' (--cfg-options ' + ' '.join(f'{k}={needed}'
                                                     for k in keys) + ')')
            else:
                fix = f'set num_classes={needed} in the model\'s head'
            what = (', '.join(f'{k}={n_out}'
                              for k in keys) if keys else source)
            raise ConfigError(
                f'class count mismatch: the model predicts {n_out} classes '
                f'({what}) but {name}.dataset ({type(dataset).__name__}) '
                f'has {count}{seen}; {fix}')


def label_out_of_range(exc: BaseException,
                       iteration: int) -> Optional[ConfigError]:
    """The :class:`ConfigError` for CrossEntropy's ``IndexError: Target 6
    is out of bounds`` raised at (1-based) ``iteration``: the safety net
    behind :class:`ClassNumCheckHook` (a model whose class count it could
    not read, or ``check_class_count = False``); None for another
    IndexError."""
    found = re.search(r'Target (-?\d+) is out of bounds', str(exc))
    if not found:
        return None
    return ConfigError(
        f'label {found.group(1)} of the training data is out of the range '
        f'of the model\'s outputs (at iteration {iteration}): the model has '
        'fewer classes than the data; set the num_classes of its head (or '
        'backbone) to the dataset\'s class count')


def _num_outputs(model, dataset, cfg):
    """The model's class count: its head's ``num_classes``, else the
    width of its output on one real sample when a ``num_classes`` of the
    model config has that value; (None, '') when unknown."""
    head = getattr(model, 'head', None)
    n = getattr(head, 'num_classes', None)
    if isinstance(n, int) and n > 0:
        return n, f'{type(head).__name__}.num_classes'
    configured = {
        get_key_path(cfg, p)
        for p in find_key_paths(
            cfg.get('model'), 'num_classes', prefix='model')
    }
    if not configured:
        return None, ''
    width = _output_width(model, dataset)
    if width in configured:
        return width, f'its output on a batch of the data is {width} wide'
    return None, ''


def _gt_labels(dataset):
    """All labels of ``dataset`` (np.ndarray) or None when it has none."""
    get = getattr(dataset, 'get_gt_labels', None)
    if get is None:
        return None
    try:
        labels = np.asarray(get())
    except Exception:  # noqa: BLE001 - multi-label or unlabeled datasets
        return None
    if labels.dtype.kind not in 'iu' or labels.ndim != 1:
        return None
    return labels


def _output_width(model, dataset):
    """Width of the model's output (``mode='tensor'``, eval mode, no grad)
    on the first samples of ``dataset``; None when not a (B, C) tensor. The
    random generators are restored afterwards."""
    from mmengine.dataset import pseudo_collate
    states = (random.getstate(), np.random.get_state(),
              torch.random.get_rng_state())
    was_training = model.training
    try:
        # two samples: some models squeeze a batch of one (mmpretrain's
        # LeNet5; mmfg registers one that does not)
        batch = pseudo_collate(
            [dataset[i] for i in range(min(2, len(dataset)))])
        model.eval()
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            out = model(**data, mode='tensor')
    except Exception:  # noqa: BLE001 - the check must never block a run
        return None
    finally:
        model.train(was_training)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])
    if isinstance(out, (list, tuple)) and out:
        out = out[-1]
    if isinstance(out, torch.Tensor) and out.ndim == 2:
        return int(out.shape[1])
    return None
