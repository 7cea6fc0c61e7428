"""Crafted files for the code-execution tests: each would run code (write a
marker file) if mmfg unpickled it without restriction, or, for the
``HistoryBuffer`` gadget, with an allow-list that admits ``builtins.getattr``
and MMEngine's own ``HistoryBuffer.__setstate__``.

Nothing here runs a payload: the objects only pickle to one.
"""
import copy
import os

import numpy as np


class ReducePayload:
    """Pickles as ``os.system('touch <marker>')`` (a ``__reduce__``
    payload: ``GLOBAL posix.system`` + ``REDUCE``)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def planted_history_buffer(marker, attr='__reduce_ex__'):
    """A ``HistoryBuffer`` whose pickled state also holds ``attr`` =
    ``gadget.get`` (pickled by Python as ``getattr(gadget, 'get')``), with
    ``gadget = {4: (numpy.ndarray.tofile, (array, marker))}`` (``tofile``
    pickled as ``getattr(numpy.ndarray, 'tofile')``).

    Loaded with MMEngine's ``HistoryBuffer.__setstate__`` (which puts every
    key of the state on the object), ``copy.deepcopy`` of it calls
    ``obj.__reduce_ex__(4)`` -> ``gadget[4]`` and then
    ``numpy.ndarray.tofile(array, marker)``: the marker file is written.
    ``MessageHub.load_state_dict`` deep-copies ``runtime_info`` on
    ``--resume``. Only ``getattr``, ``HistoryBuffer`` and numpy's array
    globals are named.
    """
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer([1.0, 2.0], [1, 1])
    gadget = {4: (np.ndarray.tofile, (np.zeros(1, np.uint8), str(marker)))}
    state = dict(
        buf.__dict__,
        statistics_methods=dict(HistoryBuffer._statistics_methods))
    state[attr] = gadget.get
    buf.__getstate__ = lambda: state
    return buf


def crafted_training_checkpoint(real, marker, where='message_hub'):
    """A copy of the loaded training checkpoint ``real`` (a dict) with the
    ``HistoryBuffer`` gadget in ``message_hub.runtime_info`` (deep-copied by
    ``--resume``), or in ``meta`` (``where='meta'``, kept by a naive
    publish)."""
    ckpt = copy.copy(real)
    if where == 'meta':
        ckpt['meta'] = dict(ckpt['meta'], epoch=planted_history_buffer(marker))
    else:
        hub = dict(ckpt['message_hub'])
        hub['runtime_info'] = dict(
            hub['runtime_info'], plant=planted_history_buffer(marker))
        hub['resumed_keys'] = dict(hub['resumed_keys'], plant=True)
        ckpt['message_hub'] = hub
    return ckpt
