"""Reading checkpoints: MMEngine training checkpoints under torch >= 2.6
(``weights_only``), and one-line errors for a file that is truncated,
corrupt, of the wrong kind or of another model (:func:`read_checkpoint`,
:func:`check_checkpoint_fits`). Writing them: :mod:`.checkpoint_files`.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True`` and refuses
any pickled global it does not know. A checkpoint written by an MMEngine
runner holds a few: the message hub's ``HistoryBuffer`` (whose pickled state
also names its statistics methods as ``getattr(HistoryBuffer, 'mean')``) and
numpy scalars/arrays (``runtime_info``). Pretrained weights
(``init_cfg=dict(type='Pretrained')``) are plain tensors and need none of
them.

We do NOT switch ``weights_only`` off, and the allow-list
(:func:`mmengine_checkpoint_globals`) holds nothing that can call code or
plant it:

* ``mmengine.logging.history_buffer.HistoryBuffer`` is read by
  :class:`_HistoryBufferData`, whose ``__setstate__`` accepts exactly the
  data of a history buffer (``max_length``, two numeric 1-D arrays of equal
  length, the four default statistics names) and only then becomes a real
  ``HistoryBuffer`` (MMEngine's own ``__setstate__`` puts any attribute on
  the object and any callable into the class-wide statistics table: a
  crafted file planted ``__deepcopy__`` callables that ran when
  ``MessageHub.load_state_dict`` copied them on ``--resume``);
* ``builtins.getattr`` is :func:`_statistic_method`, which answers only
  ``getattr(HistoryBuffer, 'min' | 'max' | 'mean' | 'current')``;
* ``numpy.dtype``, ``numpy[._]core.multiarray._reconstruct`` and ``scalar``
  are the data-only wrappers of :mod:`mmfg.utils.safe_pickle` (numeric, bool
  and string dtypes, plain ndarrays); the dtype classes are there only so
  that torch lets numpy's ``__setstate__`` fill a dtype.

Anything else is refused by torch before it is called, and a file that
needs it is a :class:`~mmfg.utils.errors.CheckpointError` naming it.
Every mmfg entry point reads checkpoints so (:func:`read_checkpoint`, the
runner's ``load_from``/``--resume``, ``tools/test.py``, the inferencer and
demo, ``tools/misc/publish_model.py``, the model converters).
"""
import collections
import functools
import os.path as osp
import pickle
import re

import numpy as np
import torch

from mmfg.utils import safe_pickle
from mmfg.utils.errors import CheckpointError
from .config_diagnosis import find_key_paths, get_key_path

HISTORY_BUFFER = 'mmengine.logging.history_buffer.HistoryBuffer'
#: the statistics a saved ``HistoryBuffer`` names (MMEngine's defaults)
STATISTICS = ('min', 'max', 'current', 'mean')


def _refuse(what):
    return safe_pickle.UnsafePickleError(
        what, 'not the data of an MMEngine '
        'checkpoint')


class _HistoryBufferData:
    """What ``HistoryBuffer`` in a checkpoint is unpickled as: an empty
    object whose ``__setstate__`` takes only a history buffer's data and
    then makes it a real ``mmengine.logging.HistoryBuffer``."""

    def __init__(self, *args, **kwargs):
        raise _refuse(f'a call of {HISTORY_BUFFER}')

    def __setstate__(self, state):
        from mmengine.logging import HistoryBuffer

        if not isinstance(state, dict):
            raise _refuse(f'{HISTORY_BUFFER} state of type '
                          f'{type(state).__name__}')
        extra = set(state) - {
            'max_length', '_log_history', '_count_history',
            'statistics_methods'
        }
        if extra:
            raise _refuse(f'{HISTORY_BUFFER} with attributes '
                          f'{sorted(map(str, extra))}')
        max_length = state.get('max_length')
        if type(max_length) is not int or max_length < 1:
            raise _refuse(f'{HISTORY_BUFFER}.max_length {max_length!r}')
        arrays = [state.get('_log_history'), state.get('_count_history')]
        for arr in arrays:
            if type(arr) is not np.ndarray or arr.ndim != 1 or \
                    arr.dtype.kind not in 'biuf':
                raise _refuse(f'{HISTORY_BUFFER} history {type(arr).__name__}'
                              f' {getattr(arr, "dtype", "")}')
        if len(arrays[0]) != len(arrays[1]):
            raise _refuse(f'{HISTORY_BUFFER} histories of unequal length')
        methods = state.get('statistics_methods', {})
        if not isinstance(methods, dict) or any(
                name not in STATISTICS
                or func is not getattr(HistoryBuffer, name)
                for name, func in methods.items()):
            raise _refuse(f'{HISTORY_BUFFER} statistics methods')
        self.__dict__.clear()
        self.__dict__.update(
            max_length=max_length,
            _log_history=arrays[0],
            _count_history=arrays[1])
        self.__class__ = HistoryBuffer
        HistoryBuffer._set_default_statistics(self)


def _statistic_method(owner, name):
    """``builtins.getattr`` in a checkpoint: only
    ``getattr(HistoryBuffer, <default statistics name>)``."""
    from mmengine.logging import HistoryBuffer

    if owner is not _HistoryBufferData or name not in STATISTICS:
        raise _refuse(f'builtins.getattr of {getattr(owner, "__name__", "?")}'
                      f'.{name}')
    return getattr(HistoryBuffer, name)


def mmengine_checkpoint_globals():
    """The globals an MMEngine training checkpoint needs besides tensors,
    each a data-only stand-in (see the module docstring).

    Returns:
        list: entries for ``torch.serialization.safe_globals``: ``(object,
        'module.qualname')`` pairs and the numpy dtype classes.
    """
    dtypes = [
        type(np.dtype(t))
        for t in ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                  'uint32', 'uint64', 'float16', 'float32', 'float64',
                  'complex64', 'complex128')
    ]
    names = [(_HistoryBufferData, HISTORY_BUFFER),
             (_statistic_method, 'builtins.getattr'),
             (safe_pickle._dtype, 'numpy.dtype'),
             (np.ndarray, 'numpy.ndarray')]
    for core in ('numpy.core', 'numpy._core'):
        names += [(safe_pickle._reconstruct,
                   f'{core}.multiarray._reconstruct'),
                  (safe_pickle._scalar, f'{core}.multiarray.scalar')]
    return names + dtypes


@functools.lru_cache(maxsize=None)
def _named_globals_supported():
    """Whether this torch takes ``(object, 'module.qualname')`` entries in
    its allow-list (torch >= 2.6); probed, not read from the version."""
    try:
        from torch import _weights_only_unpickler as unpickler
        with torch.serialization.safe_globals([(_HistoryBufferData,
                                                'mmfg.probe')]):
            allowed = unpickler._get_user_allowed_globals()
        return allowed.get('mmfg.probe') is _HistoryBufferData
    except Exception:  # noqa: BLE001 - an older torch fails in any way
        return False


def checkpoint_safe_globals():
    """Context manager allowing :func:`mmengine_checkpoint_globals` in
    ``torch.load(weights_only=True)``. A torch without named entries
    (< 2.6) gets the numpy dtype classes only: training state is then
    refused (naming ``HistoryBuffer``) rather than read unchecked; torch <
    2.4 has no allow-list (a no-op)."""
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    if safe_globals is None:
        import contextlib
        return contextlib.nullcontext()
    entries = mmengine_checkpoint_globals()
    if not _named_globals_supported():
        entries = [e for e in entries if not isinstance(e, tuple)]
    return safe_globals(entries)


# --------------------------------------------------------------------------
# reading, describing and verifying checkpoint files
# --------------------------------------------------------------------------
def _first_line(exc, limit=200):
    text = ' '.join(str(exc).split('.')[0].split())
    return f'{type(exc).__name__}: {text[:limit]}'


def refused_global(exc):
    """What torch's ``weights_only`` unpickler (with the allow-list of this
    module) refused in ``exc``: ``'the global posix.system'``, what a
    stand-in refused (``'builtins.getattr of ndarray.tofile (...)'``), or
    None when ``exc`` is no such refusal."""
    text = str(exc)
    found = re.search(r'GLOBAL (\S+) was not an allowed global', text) or \
        re.search(r'GLOBAL (\S+) whose module \S+ is blocked', text)
    if found:
        return f'the global {found.group(1)}'
    found = re.search(r'refused to unpickle ([^\n]+)', text)
    if found:
        return found.group(1).strip()
    found = re.search(
        r'(Trying to call reduce for unrecognized function [^\n]+|'
        r'Can only (?:build|create new object)[^\n]+)', text)
    return found.group(1).strip()[:200] if found else None


def _load(path, map_location, allow_training_state):
    """``torch.load`` with ``weights_only=True`` (explicitly: torch < 2.6
    defaults to False) and, for training state, the allow-list."""
    if allow_training_state:
        with checkpoint_safe_globals():
            return torch.load(
                path, map_location=map_location, weights_only=True)
    return torch.load(path, map_location=map_location, weights_only=True)


def read_checkpoint(path, map_location='cpu', allow_training_state=True):
    """``torch.load`` a local checkpoint (``weights_only=True``, with the
    data-only MMEngine allow-list when ``allow_training_state``): a file
    that needs any other global is refused before anything of it runs.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is empty, truncated, corrupt, not a
            PyTorch file, holds Python objects that are not data (naming
            the refused global), or (without ``allow_training_state``) holds
            training state rather than plain weights; the message names the
            file and what it holds.
    """
    import zipfile

    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    size = osp.getsize(path)
    if size == 0:
        raise CheckpointError(
            f'checkpoint {path} is empty (0 bytes): it was probably being '
            'written when a run was killed; use an earlier checkpoint of the '
            'run (or --resume without a file, which skips incomplete ones)')
    with open(path, 'rb') as f:
        head = f.read(4)
    if head[:2] == b'PK' and not zipfile.is_zipfile(path):
        raise CheckpointError(
            f'checkpoint {path} is truncated ({size} bytes, the end of its '
            'zip archive is missing): it was probably being written when a '
            'run was killed, or copied incompletely; use an earlier '
            'checkpoint or copy it again')
    try:
        return _load(path, map_location, allow_training_state)
    except pickle.UnpicklingError as exc:
        if not allow_training_state and is_training_checkpoint(path):
            raise CheckpointError(
                f'checkpoint {path} holds '
                f'{describe_checkpoint_file(path)}, not plain weights; '
                'torch (weights_only=True) refuses its training state when '
                'it is loaded as pretrained weights (init_cfg). Start from '
                f'it with load_from={path!r} (--cfg-options load_from=...) '
                f'or continue that run with --resume {path} (both read its '
                'training state as data only), or keep its weights only: '
                f'python tools/misc/publish_model.py {path} weights.pth, '
                'and give that file') from None
        refused = refused_global(exc)
        if refused:
            raise CheckpointError(
                f'checkpoint {path} holds Python objects that are not data: '
                f'{refused}. mmfg does not unpickle them, since that could '
                'run code; use a checkpoint written by tools/train.py, or, '
                'only for a file you trust, load it yourself and save its '
                'plain state dict (torch.save(model.state_dict(), ...))'
            ) from None
        if head[:2] != b'PK':
            raise CheckpointError(
                f'checkpoint {path} is not a PyTorch checkpoint (not a '
                f'torch.save file: {_first_line(exc)}); give a .pth written '
                'by tools/train.py or torch.save') from None
        raise CheckpointError(
            f'checkpoint {path} holds Python objects torch will not load '
            f'with weights_only=True ({_first_line(exc)}); only load files '
            'you trust, and save plain state dicts') from None
    except Exception as exc:  # noqa: BLE001 - torch/pickle raise any type
        if head[:2] == b'PK':
            what, fix = ('is corrupt', 'use another checkpoint of the run '
                         'or copy the file again')
        else:
            what, fix = ('is not a PyTorch checkpoint (not a torch.save '
                         'file)', 'give a .pth written by tools/train.py or '
                         'torch.save')
        raise CheckpointError(f'checkpoint {path} {what} and cannot be read '
                              f'({_first_line(exc)}); {fix}') from None


def is_training_checkpoint(path):
    """Whether ``path`` loads with the MMEngine allow-list and holds
    ``meta`` and ``state_dict`` (a checkpoint written by a runner)."""
    try:
        ckpt = _load(path, 'cpu', True)
    except Exception:  # noqa: BLE001 - any failure: not one
        return False
    return isinstance(ckpt, dict) and 'meta' in ckpt and 'state_dict' in ckpt


def state_dict_of(checkpoint):
    """The ``{name: tensor}`` weights of a loaded checkpoint, or None."""
    if not isinstance(checkpoint, dict):
        return None
    state = checkpoint.get('state_dict', checkpoint)
    if isinstance(state, dict) and state and all(
            isinstance(v, torch.Tensor) for v in state.values()):
        return state
    return None


def _model_type(meta):
    text = (meta or {}).get('cfg')
    if not isinstance(text, str):
        return None
    found = re.search(r"\nmodel\s*=\s*dict\((.*?)\n\S", text, re.S)
    body = found.group(1) if found else ''
    # the model's own type: the last top-level "type=" of its dict
    depth, last = 0, None
    for match in re.finditer(r"[()\[\]{}]|type\s*=\s*'([\w.]+)'", body):
        tok = match.group(0)
        if tok in '([{':
            depth += 1
        elif tok in ')]}':
            depth -= 1
        elif depth == 0:
            last = match.group(1)
    return last


def describe_checkpoint(checkpoint):
    """A short phrase saying what a loaded checkpoint holds."""
    state = state_dict_of(checkpoint)
    prefixes = []
    for key in state or {}:
        head = key.split('.')[0]
        if head not in prefixes:
            prefixes.append(head)
    weights = (f'{len(state)} tensors under ' +
               ', '.join(f'{p}.*' for p in prefixes[:6]) +
               (', ...' if len(prefixes) > 6 else '')) if state else None
    if isinstance(checkpoint, dict) and 'meta' in checkpoint:
        meta = checkpoint.get('meta') or {}
        model = _model_type(meta)
        kind = 'an MMEngine training checkpoint'
        facts = ([f'model {model}'] if model else []) + ([
            f'epoch {meta.get("epoch")}, iter {meta.get("iter")}'
        ] if 'epoch' in meta else [])
        if facts:
            kind += f' ({", ".join(facts)})'
        return kind + (f': {weights}' if weights else '')
    if weights:
        return f'plain weights: {weights}'
    if isinstance(checkpoint, dict):
        keys = ', '.join(map(str, list(checkpoint)[:6]))
        return f'a dict with keys {keys} and no model weights'
    return f'a {type(checkpoint).__name__}, not model weights'


def describe_checkpoint_file(path):
    try:
        return describe_checkpoint(_load(path, 'cpu', True))
    except Exception:  # noqa: BLE001
        return 'unreadable'


def check_checkpoint_fits(model,
                          checkpoint,
                          path,
                          strict=False,
                          revise_keys=((r'^module\.', ''), )):
    """Check that ``checkpoint`` holds weights of ``model``.

    Always: some of its weight names must be the model's (a detector
    checkpoint given to a classifier shares none). With ``strict`` (testing
    and resuming): every weight of the model must be there with its shape.

    Raises:
        CheckpointError: naming the file, what it holds and what differs.
    """

    state = state_dict_of(checkpoint)
    model_name = type(model).__name__
    if state is None:
        raise CheckpointError(
            f'checkpoint {path} holds {describe_checkpoint(checkpoint)}; '
            f'expected the weights of this {model_name} (a .pth written by '
            'tools/train.py)')
    names = {}
    for key in state:
        new = key
        for pattern, repl in revise_keys:
            new = re.sub(pattern, repl, new)
        names[new] = key
    own = model.state_dict()
    common = [k for k in own if k in names]
    if not common:
        heads = []
        for key in own:
            if key.split('.')[0] not in heads:
                heads.append(key.split('.')[0])
        raise CheckpointError(
            f'checkpoint {path} does not fit this {model_name}: it holds '
            f'{describe_checkpoint(checkpoint)}, and none of its weight '
            'names is one of the model\'s (' +
            ', '.join(f'{h}.*' for h in heads) + '). Give a checkpoint '
            'trained with this config (a detector or another model '
            'cannot be loaded here)')
    if not strict:
        return
    shapes = [(k, tuple(state[names[k]].shape), tuple(own[k].shape))
              for k in common
              if tuple(state[names[k]].shape) != tuple(own[k].shape)]
    missing = [k for k in own if k not in names]
    if shapes:
        k, have, want = shapes[0]
        raise CheckpointError(
            f'checkpoint {path} does not fit the model of this config: '
            f'{k} has shape {have} in the checkpoint but {want} in the '
            f'model ({len(shapes)} weight(s) differ): it was trained with '
            'another class count (num_classes) or backbone; use the config '
            'it was trained with')
    if missing:
        raise CheckpointError(
            f'checkpoint {path} does not fit the model of this config: '
            f'{len(missing)} of its {len(own)} weights are missing from the '
            f'checkpoint (e.g. {missing[:3]}); it holds '
            f'{describe_checkpoint(checkpoint)}. Use the config it was '
            'trained with')


def check_resume_checkpoint(checkpoint, path):
    """Raise :class:`CheckpointError` when ``checkpoint`` (loaded from
    ``path`` for ``--resume``) holds no training state."""
    if not (isinstance(checkpoint, dict) and 'meta' in checkpoint):
        raise CheckpointError(
            f'--resume {path}: the file holds no training state '
            '(plain weights, no "meta"/"optimizer"); --resume needs a '
            'checkpoint written by tools/train.py. To start a new run '
            f'from these weights use --cfg-options load_from={path}')


def config_as_text(checkpoint: dict) -> dict:
    """Make the config stored in a checkpoint inert text.

    MMEngine's ``Runner.resume`` executes ``checkpoint['meta']['config']``
    with ``Config.fromstring`` (to read a ``gpu_ids`` key that neither
    MMEngine 0.10 nor mmpretrain writes): a crafted checkpoint would run its
    Python on ``--resume``. The text is moved to ``meta['config_text']``
    (kept for a user to read, never executed) so that nothing downstream
    parses it. Returns the same dict.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if isinstance(meta, dict) and 'config' in meta:
        meta['config_text'] = meta.pop('config')
    return checkpoint


def check_pretrained_files(cfg):
    """Raise :class:`CheckpointError` naming the config key of a local
    pretrained file (``model...init_cfg.checkpoint``) that cannot be loaded
    as weights (e.g. a training checkpoint); return quietly otherwise."""
    for path in find_key_paths(cfg.get('model'), 'checkpoint', prefix='model'):
        if '.init_cfg' not in path:
            continue
        file = get_key_path(cfg, path)
        if isinstance(file, str) and '://' not in file and osp.isfile(file):
            try:
                read_checkpoint(file, allow_training_state=False)
            except CheckpointError as exc:
                raise CheckpointError(f'{path}: {exc}') from None


def _plain_meta(meta):
    """The scalars of ``meta`` that a weights file keeps (str keys; int,
    float, bool, str or None values; ``dataset_meta['classes']`` when it is
    a list of str)."""
    out = {}
    for key, value in (meta or {}).items():
        if not isinstance(key, str):
            continue
        if value is None or type(value) in (int, float, bool, str):
            out[key] = value
        elif key == 'dataset_meta' and isinstance(value, dict):
            classes = value.get('classes')
            if isinstance(classes, (list, tuple)) and classes and all(
                    type(c) is str for c in classes):
                out[key] = dict(classes=list(classes))
    return out


def read_weights(path,
                 expected='model weights (a .pth written by '
                 'tools/train.py)'):
    """:func:`read_checkpoint` (as data only) and its ``{name: tensor}``
    weights: ``(checkpoint, state_dict)``.

    Raises:
        CheckpointError: the file holds no weights; the message says what it
            holds and that ``expected`` was wanted.
    """
    checkpoint = read_checkpoint(path)
    state = state_dict_of(checkpoint)
    if state is None:
        raise CheckpointError(
            f'checkpoint {path} holds {describe_checkpoint(checkpoint)}; '
            f'expected {expected}')
    return checkpoint, state


def write_weights_file(dst, state_dict, meta=None):
    """Write ``{'state_dict': ..., 'meta': ...}`` that torch's strict
    ``weights_only=True`` loads (no allow-list), rebuilt from data only:
    str keys and plain ``torch.Tensor`` values (detached, tensor subclasses
    and parameter attributes dropped; the state dict's ``_metadata`` module
    versions kept when they are plain data), ``meta`` through
    :func:`_plain_meta`.

    The file is written under a temporary name in ``dst``'s folder, loaded
    back with ``weights_only=True`` and only then renamed to ``dst``; on any
    failure nothing is left behind (an existing ``dst`` stays as it was).

    Returns:
        dict: the state dict written.

    Raises:
        CheckpointError: a key is not a str or a value not a tensor.
        OSError: the file cannot be written (e.g. a full disk).
    """
    import os
    import tempfile

    state = collections.OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(
                f'cannot write {dst}: weight {key!r} is a '
                f'{type(value).__name__} (expected str names and tensors)')
        tensor = value.detach()
        if type(tensor) is not torch.Tensor:
            tensor = tensor.as_subclass(torch.Tensor)
        state[key] = tensor
    versions = getattr(state_dict, '_metadata', None)
    if isinstance(versions, dict) and all(
            isinstance(k, str) and isinstance(v, dict) and all(
                isinstance(n, str) and type(x) in (int, type(None))
                for n, x in v.items()) for k, v in versions.items()):
        # the module versions torch's load_state_dict reads (data only)
        state._metadata = collections.OrderedDict(
            (k, dict(v)) for k, v in versions.items())
    folder = osp.dirname(osp.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    if osp.isdir(dst):
        raise IsADirectoryError(f'{dst} is a folder; give the name of the '
                                'file to write')
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(dst)}.', suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 -> a normal file
        torch.save(dict(state_dict=state, meta=_plain_meta(meta)), tmp)
        torch.load(tmp, map_location='cpu', weights_only=True)
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return state
