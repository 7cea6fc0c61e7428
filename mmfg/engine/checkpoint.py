"""Loading MMEngine training checkpoints under torch >= 2.6 (``weights_only``).

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

import numpy as np
import torch

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
