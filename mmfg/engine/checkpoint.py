"""Reading checkpoints: MMEngine training checkpoints under torch >= 2.6
(``weights_only``), and one-line errors for a file that is truncated,
corrupt, of the wrong kind or of another model (:func:`read_checkpoint`,
:func:`check_checkpoint_fits`). Writing them: :mod:`.checkpoint_files`.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True`` and refuses
any pickled global it does not know. A checkpoint written by an MMEngine
runner holds a few: the message hub's ``HistoryBuffer`` (whose state also
names its statistics methods through ``getattr``) and numpy scalars/arrays
(``runtime_info``). Pretrained weights (``init_cfg=dict(type='Pretrained')``)
are plain tensors and need none of them.

So we do NOT switch ``weights_only`` off, and we do not widen the allow-list
for every load: :func:`mmengine_checkpoint_globals` is allowed only inside
:class:`mmfg.engine.FGRunner`'s own ``load_checkpoint``/``resume`` (the
``load_from`` / ``--resume`` checkpoint the user names for this run). A
pretrained file from the internet is still loaded with torch's strict
default.
"""
import builtins
import os.path as osp
import re

import numpy as np
import torch

from mmfg.utils.errors import CheckpointError
from .config_diagnosis import find_key_paths, get_key_path

try:  # numpy >= 2
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _np_multiarray


def mmengine_checkpoint_globals():
    """The globals an MMEngine training checkpoint needs besides tensors.

    Returns:
        list: classes/functions for ``torch.serialization.safe_globals``.
    """
    from mmengine.logging import HistoryBuffer

    dtypes = [
        type(np.dtype(t)) for t in ('bool', 'int8', 'int16', 'int32', 'int64',
                                    'uint8', 'float16', 'float32', 'float64')
    ]
    return [
        HistoryBuffer,
        # HistoryBuffer.__getstate__ stores getattr(HistoryBuffer, 'min') etc.
        builtins.getattr,
        np.dtype,
        np.ndarray,
        _np_multiarray.scalar,
        _np_multiarray._reconstruct,
        *dtypes,
    ]


def checkpoint_safe_globals():
    """Context manager allowing :func:`mmengine_checkpoint_globals` in
    ``torch.load(weights_only=True)``; a no-op on torch < 2.4 (which has no
    allow-list and does not default to ``weights_only``)."""
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    if safe_globals is None:
        import contextlib
        return contextlib.nullcontext()
    return safe_globals(mmengine_checkpoint_globals())


# --------------------------------------------------------------------------
# reading, describing and verifying checkpoint files
# --------------------------------------------------------------------------
def _first_line(exc, limit=200):
    text = ' '.join(str(exc).split('.')[0].split())
    return f'{type(exc).__name__}: {text[:limit]}'


def read_checkpoint(path, map_location='cpu', allow_training_state=True):
    """``torch.load`` a local checkpoint (``weights_only=True``, with the
    MMEngine allow-list when ``allow_training_state``).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is empty, truncated, corrupt, not a
            PyTorch file, or (without ``allow_training_state``) holds
            training state rather than plain weights; the message names the
            file and what it holds.
    """
    import pickle
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
        if allow_training_state:
            with checkpoint_safe_globals():
                return torch.load(path, map_location=map_location)
        return torch.load(path, map_location=map_location)
    except pickle.UnpicklingError as exc:
        if not allow_training_state and is_training_checkpoint(path):
            raise CheckpointError(
                f'checkpoint {path} holds '
                f'{describe_checkpoint_file(path)}, not plain weights; '
                'torch (weights_only=True) refuses its training state when '
                'it is loaded as pretrained weights (init_cfg). Start from '
                f'it with load_from={path!r} (--cfg-options load_from=...), '
                f'continue that run with --resume {path}, or keep its '
                'weights only: python tools/misc/publish_model.py '
                f'{path} weights.pth, and give that file') from None
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
        with checkpoint_safe_globals():
            ckpt = torch.load(path, map_location='cpu')
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
        with checkpoint_safe_globals():
            return describe_checkpoint(torch.load(path, map_location='cpu'))
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
