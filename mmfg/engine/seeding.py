"""Reproducible randomness per epoch, so that ``--resume`` reproduces an
uninterrupted run exactly (same samples, same augmentations, same weights).

MMEngine seeds the random generators once, at start-up, and its default
``worker_init_fn`` seeds numpy in every data worker with the same number at
every epoch. Two consequences: a resumed run draws different random numbers
from the uninterrupted one, and (with non-persistent workers) numpy-based
augmentations repeat identically every epoch.

:class:`EpochSeedHook` re-seeds python/numpy/torch at the start of every
epoch from ``(seed, epoch)``; :func:`seed_numpy_from_torch` seeds numpy in
each worker from the per-worker torch seed the DataLoader derives from the
(now epoch-seeded) main generator. Together, epoch ``e`` draws the same
numbers whether the run started at epoch 0 or resumed at ``e``. Data workers
must not be persistent (a persistent worker keeps its generator across
epochs); the hook warns when they are.
"""
import os
import random
import signal
import sys

import numpy as np
import torch
from mmengine.hooks import Hook

from mmfg.registry import FUNCTIONS, HOOKS


def epoch_seed(seed, epoch):
    """The 32-bit seed used for ``epoch`` of a run seeded with ``seed``."""
    return (int(seed) * 1_000_003 + int(epoch) * 7_919 + 17) % (2**32)


@FUNCTIONS.register_module()
def seed_numpy_from_torch(worker_id, **kwargs):
    """DataLoader ``worker_init_fn``: seed numpy (and python's ``random``)
    from the torch seed of this worker (``base_seed + worker_id``, where the
    DataLoader draws ``base_seed`` from the main torch generator at every
    epoch). The worker also dies with its training process
    (:func:`die_with_parent`)."""
    seed = torch.initial_seed() % (2**32)
    np.random.seed(seed)
    random.seed(seed)
    die_with_parent()


def die_with_parent(sig=signal.SIGKILL):
    """Linux: have the kernel send ``sig`` to this process when its parent
    dies. A DataLoader worker whose training process is SIGKILLed (or a
    training process whose launcher is) must not live on as an orphan
    holding the job's files and terminal. No-op elsewhere."""
    if not sys.platform.startswith('linux'):
        return
    parent = os.getppid()
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl
        os.kill(os.getpid(), sig)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Re-seed python, numpy and torch before every training epoch from the
    run's seed and the epoch number (see the module docstring)."""

    priority = 'VERY_HIGH'

    def before_train(self, runner):
        loader = runner.train_loop.dataloader
        if getattr(loader, 'persistent_workers', False):
            runner.logger.warning(
                'EpochSeedHook: train_dataloader.persistent_workers=True, so '
                'data augmentation is not reproduced exactly after --resume; '
                'set persistent_workers=False for exact resumption.')

    def before_train_epoch(self, runner):
        seed = runner.seed if runner.seed is not None else 0
        s = epoch_seed(seed, runner.epoch)
        random.seed(s)
        np.random.seed(s)
        torch.manual_seed(s)
