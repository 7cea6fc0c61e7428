"""``--resume`` with a changed config: the config's optimizer and schedule
settings apply, and what changed is said in one log line.

MMEngine's ``Runner.resume`` loads the checkpoint's optimizer state (its
parameter groups hold ``lr``, ``weight_decay``, ``momentum``...) and the
param schedulers' state (``__dict__.update``: milestones, gamma, base
values...) over the ones built from the config, so a lowered learning rate
(the advice of :class:`~mmfg.engine.CheckInvalidLossHook` after a NaN loss)
was silently ignored. With :class:`~mmfg.engine.FGRunner`:

* the model weights, the optimizer's per-parameter state (momentum buffers,
  Adam moments), the epoch/iteration and the message hub come from the
  checkpoint;
* the hyperparameters of the optimizer (every key of its parameter groups)
  and the settings of the param schedulers come from the config; when one
  differs from the checkpoint's, the schedules are recomputed from the
  config up to the resumed iteration (:func:`replay_schedules`, as
  ``ParamSchedulerHook`` steps them) and one warning names each change
  (:func:`apply_config_on_resume`);
* an optimizer of another type than the checkpoint's (an SGD checkpoint, an
  Adam config: its state would fail at the first step with
  ``KeyError: 'step'``) and parameter groups that do not correspond are
  refused in one line (:func:`check_optimizer_state`);
* a resume with nothing left to train (``max_epochs``/``max_iters`` at or
  below the checkpoint's) is refused in one line
  (:func:`check_something_to_train`).
"""
import copy
import inspect
import math
import warnings

import torch

from mmfg.utils.errors import CheckpointError, ConfigError

# keys of a parameter group that are not hyperparameters
_NOT_HYPER = ('params', 'param_names')
# keys of a param scheduler's state that are progress, not settings
_PROGRESS = ('last_step', '_global_step', '_last_value', 'base_values',
             'verbose', '_get_lr_called_within_step', 'optimizer')


def optimizers_of(optim_wrapper):
    """``[(name, torch optimizer)]`` of an ``OptimWrapper`` (name '') or an
    ``OptimWrapperDict``."""
    wrappers = getattr(optim_wrapper, 'optim_wrappers', None)
    if wrappers is not None:
        return [(f'{name}.', w.optimizer) for name, w in wrappers.items()]
    optimizer = getattr(optim_wrapper, 'optimizer', optim_wrapper)
    return [('', optimizer)]


def _optimizer_states(optim_wrapper, state):
    """``[(name, torch optimizer, its state dict in the checkpoint)]``."""
    out = []
    for name, optimizer in optimizers_of(optim_wrapper):
        sub = state.get(name[:-1]) if name else state
        if isinstance(sub, dict):
            out.append((name, optimizer, sub))
    return out


def _hyper_names(cls):
    """The hyperparameters an optimizer class takes (its ``__init__``
    arguments but ``params``)."""
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return set()
    return {p for p in params if p not in ('self', 'params', 'defaults')}


def _similarity(keys, cls):
    names = _hyper_names(cls)
    return len(keys & names) / max(1, len(keys | names))


def _guess_type(keys):
    """The torch optimizer whose hyperparameters best match ``keys`` (a
    parameter group of a checkpoint) and its similarity (shared / all
    names), or (None, 0)."""
    best = (None, 0.0)
    for name in dir(torch.optim):
        cls = getattr(torch.optim, name)
        if not (isinstance(cls, type) and issubclass(
                cls, torch.optim.Optimizer)) or cls is torch.optim.Optimizer:
            continue
        score = _similarity(keys, cls)
        if score > best[1]:
            best = (cls, score)
    return best


def check_optimizer_state(optim_wrapper, state, filename):
    """Raise :class:`CheckpointError` when the optimizer state ``state`` of
    checkpoint ``filename`` cannot continue in ``optim_wrapper``: another
    optimizer type (its parameter groups hold hyperparameters this one does
    not take) or another number of parameter groups (``paramwise_cfg``
    changed)."""
    if not isinstance(state, dict):
        return
    restart = (f'start a new run from its weights instead: --cfg-options '
               f'load_from={filename} (without --resume)')
    for name, optimizer, saved in _optimizer_states(optim_wrapper, state):
        groups = saved.get('param_groups')
        if not isinstance(groups, list):
            continue
        ours = type(optimizer)
        accepted = _hyper_names(ours).union(*optimizer.param_groups)
        foreign = set()
        for group in groups:
            foreign |= {
                k
                for k in group if k not in accepted and k not in _NOT_HYPER
                and not k.startswith('initial_')
            }
        if foreign:
            keys = {
                k
                for k in groups[0]
                if k not in _NOT_HYPER and not k.startswith('initial_')
            }
            theirs, score = _guess_type(keys)
            if theirs is None or issubclass(ours, theirs) or \
                    score <= _similarity(keys, ours):
                continue  # keys of another torch version, not another type
            theirs = theirs.__name__
            raise CheckpointError(
                f'--resume: checkpoint {filename} was trained with '
                f'{theirs} (its {name}optimizer state holds '
                f'{", ".join(sorted(foreign))}) but the config\'s '
                f'optim_wrapper.{name}optimizer is {ours.__name__}; an '
                'optimizer state cannot carry over to another type. Either '
                f"{restart}, or set optim_wrapper.{name}optimizer.type="
                f"'{theirs}' to continue the run")
        if len(groups) != len(optimizer.param_groups):
            raise CheckpointError(
                f'--resume: checkpoint {filename} has {len(groups)} '
                f'parameter group(s) in its {name}optimizer state but the '
                f'config builds {len(optimizer.param_groups)} '
                '(optim_wrapper.paramwise_cfg changed?); the optimizer state '
                f'cannot carry over. Either {restart}, or restore the '
                'paramwise_cfg of that run')


def epoch_based(loop):
    """Whether ``loop`` counts epochs (``IterBasedTrainLoop`` has a
    ``max_epochs`` of 1 for compatibility only)."""
    from mmengine.runner import IterBasedTrainLoop
    return hasattr(loop,
                   'max_epochs') and not isinstance(loop, IterBasedTrainLoop)


def check_something_to_train(runner, filename):
    """Raise :class:`ConfigError` when the run resumed from ``filename`` has
    already reached ``max_epochs`` (``max_iters``): MMEngine would end at
    once, with status 0, having done nothing."""
    loop = runner.train_loop
    if epoch_based(loop):
        max_epochs = loop.max_epochs
        if runner.epoch < max_epochs:
            return
        done, limit, key = runner.epoch, max_epochs, 'max_epochs'
        unit = 'epoch'
    else:
        if runner.iter < loop.max_iters:
            return
        done, limit, key = runner.iter, loop.max_iters, 'max_iters'
        unit = 'iteration'
    raise ConfigError(
        f'--resume: checkpoint {filename} ends at {unit} {done} and '
        f'train_cfg.{key} is {limit}: there is nothing left to train. To '
        f'train further raise it (--cfg-options train_cfg.{key}='
        f'{max(done, limit) + max(limit, 1)}); to evaluate the checkpoint use '
        'tools/test.py')


def schedulers_of(runner):
    """The runner's param schedulers, as one flat list."""
    return flat_schedulers(runner.param_schedulers)


def flat_schedulers(schedulers):
    """A list, or a dict of lists (one per optimizer), of param schedulers
    (or of their states) as one flat list."""
    if schedulers is None:
        return []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in group]
    return list(schedulers)


def snapshot(runner):
    """The optimizer hyperparameters and param scheduler states built from
    the config (taken before the checkpoint is loaded)."""
    return dict(
        groups=[[{
            k: copy.deepcopy(v)
            for k, v in g.items() if k not in _NOT_HYPER
        } for g in optimizer.param_groups]
                for _, optimizer in optimizers_of(runner.optim_wrapper)],
        schedulers=[(type(s).__name__, copy.deepcopy(s.state_dict()))
                    for s in schedulers_of(runner)])


def _fmt(value):
    if isinstance(value, float):
        return f'{value:.6g}'
    if isinstance(value, dict):  # a Counter of milestones
        return str(sorted(value.elements())) if hasattr(
            value, 'elements') else str(value)
    if isinstance(value, tuple):
        return '(' + ', '.join(_fmt(v) for v in value) + ')'
    return str(value)


def _differs(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return not (a == b or (math.isnan(a) and math.isnan(b))
                    or math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0))
    try:
        return bool(a != b)
    except Exception:  # noqa: BLE001 - tensors etc.: compare their text
        return str(a) != str(b)


def _setting_names(cls):
    """The named ``__init__`` arguments of a scheduler class and its bases
    (MMEngine's ``LRScheduler`` mixins take ``*args, **kwargs``)."""
    names = set()
    for klass in cls.__mro__:
        try:
            params = inspect.signature(klass.__init__).parameters.values()
        except (TypeError, ValueError):
            continue
        names |= {
            p.name
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    return names - set(_PROGRESS) - {'self'}


def changes(fresh, runner, saved_schedulers):
    """What the config's optimizer hyperparameters and scheduler settings
    (``fresh``) change from the checkpoint's (the optimizer's are in the
    runner after ``Runner.resume``; ``saved_schedulers``: the checkpoint's
    scheduler states, flat, or None when it has none): a list of
    ``'key old -> new'`` strings (old: the checkpoint's)."""
    out = []
    optimizers = optimizers_of(runner.optim_wrapper)
    scheduled = {s.param_name for s in schedulers_of(runner)}
    for (prefix, optimizer), groups in zip(optimizers, fresh['groups']):
        for i, (now, new) in enumerate(zip(optimizer.param_groups, groups)):
            where = (f'optim_wrapper.{prefix}optimizer' +
                     (f' (param group {i})' if len(groups) > 1 else ''))
            for key, value in new.items():
                if key in scheduled or (key.startswith('initial_')
                                        and key[8:] not in scheduled):
                    continue  # the scheduled value is compared as initial_
                old = now.get(key, '(unset)')
                if _differs(old, value):
                    shown = key[8:] if key.startswith('initial_') else key
                    out.append(f'{where}.{shown} {_fmt(old)} -> {_fmt(value)}')
    if saved_schedulers is None:
        return out
    new = fresh['schedulers']
    if len(saved_schedulers) != len(new):
        out.append(f'param_scheduler: {len(saved_schedulers)} scheduler(s) '
                   f'-> {len(new)} ({", ".join(n for n, _ in new)})')
        return out
    for j, (saved, (name, state), scheduler) in enumerate(
            zip(saved_schedulers, new, schedulers_of(runner))):
        names = _setting_names(type(scheduler))
        mine = {k: v for k, v in state.items() if k in names}
        theirs = {
            k: v
            for k, v in saved.items()
            if k in names or not (k in _PROGRESS or k.startswith('_'))
        }
        if set(theirs) - set(mine):
            shown = ', '.join(f'{k}={_fmt(v)}'
                              for k, v in sorted(theirs.items()))
            out.append(f'param_scheduler[{j}] ({shown}) -> {name}')
            continue
        for key in sorted(mine):
            a, b = theirs.get(key, '(unset)'), mine[key]
            if _differs(a, b):
                out.append(f'param_scheduler[{j}] ({name}).{key} '
                           f'{_fmt(a)} -> {_fmt(b)}')
    return out


def replay_schedules(runner, iters_per_epoch):
    """Step the param schedulers from their built state to the runner's
    iteration/epoch the way ``ParamSchedulerHook`` does (iteration-based
    ones after every iteration, epoch-based ones after every epoch;
    ``iters_per_epoch`` None: a loop without epochs, whose epoch-based
    schedulers never step). Schedulers driven by validation metrics
    (``ReduceOnPlateau``) are left as the checkpoint has them."""
    schedulers = [
        s for s in schedulers_of(runner)
        if not getattr(s, 'need_val_args', False)
    ]
    by_iter = [s for s in schedulers if not s.by_epoch]
    by_epoch = [s for s in schedulers if s.by_epoch]
    n_iter = runner.iter
    n_epoch = runner.epoch if iters_per_epoch is not None else 0
    with warnings.catch_warnings():
        # scheduler.step() before optimizer.step(): expected here
        warnings.simplefilter('ignore')
        if iters_per_epoch and n_epoch and \
                n_iter >= n_epoch * iters_per_epoch:
            for _ in range(n_epoch):
                for _ in range(iters_per_epoch):
                    for s in by_iter:
                        s.step()
                for s in by_epoch:
                    s.step()
            n_iter -= n_epoch * iters_per_epoch
            n_epoch = 0
        for _ in range(n_iter):
            for s in by_iter:
                s.step()
        for _ in range(n_epoch):
            for s in by_epoch:
                s.step()


def apply_config_on_resume(runner, fresh, filename, saved_schedulers):
    """After ``Runner.resume``: put the config's optimizer hyperparameters
    and scheduler settings (``fresh``, from :func:`snapshot`) back, with the
    schedules recomputed to the resumed iteration. Returns the one log line
    naming the changes, or None when the checkpoint agrees with the config
    (then nothing is touched and the resume is exact)."""
    schedulers = schedulers_of(runner)
    found = changes(fresh, runner, saved_schedulers)
    progressed = runner.iter > 0 or runner.epoch > 0
    if not found and (saved_schedulers is not None or not schedulers
                      or not progressed):
        return None
    for (_, optimizer), groups in zip(
            optimizers_of(runner.optim_wrapper), fresh['groups']):
        for group, new in zip(optimizer.param_groups, groups):
            for key in [
                    k for k in group
                    if k.startswith('initial_') and k not in new
            ]:
                del group[key]
            group.update(copy.deepcopy(new))
    kept = []
    for scheduler, (_, state) in zip(schedulers, fresh['schedulers']):
        if getattr(scheduler, 'need_val_args', False):
            kept.append(type(scheduler).__name__)
            continue
        scheduler.load_state_dict(copy.deepcopy(state))
    loader = getattr(runner.train_loop, 'dataloader', None)
    per_epoch = None
    if epoch_based(runner.train_loop):
        try:
            per_epoch = len(loader)
        except TypeError:
            per_epoch = 0  # unknown: iterations, then epochs
    replay_schedules(runner, per_epoch)
    lrs = []
    for _, optimizer in optimizers_of(runner.optim_wrapper):
        lrs += [g['lr'] for g in optimizer.param_groups if 'lr' in g]
    lr = (f'; lr now {_fmt(lrs[0])}' if lrs and len(set(lrs)) == 1 else
          f'; lr now {", ".join(_fmt(v) for v in lrs)}' if lrs else '')
    where = (f'epoch {runner.epoch}, iteration {runner.iter}')
    if not found:
        return (f'--resume: checkpoint {filename} holds no param scheduler '
                f'state; the schedules were recomputed from the config to '
                f'{where}{lr}')
    note = (f' ({", ".join(kept)} keeps the checkpoint\'s state)'
            if kept else '')
    return (f'--resume: the config differs from checkpoint {filename}; '
            f'using the config\'s values: {"; ".join(found)} (schedules '
            f'recomputed to {where}{lr}; weights and optimizer state are the '
            f'checkpoint\'s){note}')
