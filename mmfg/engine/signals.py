"""Ctrl-C (SIGINT) and SIGTERM stop a training run at once, with one line.

Python's default turns SIGINT into a ``KeyboardInterrupt`` traceback (and
the DataLoader's worker shutdown waits several seconds), and SIGTERM kills
the process silently, leaving its data workers orphaned until they notice.
:func:`stop_on_signals` (used by :meth:`mmfg.engine.FGRunner.train`) turns
either signal into :class:`StopTraining`; the runner then ends the data
workers (:func:`end_child_processes`), prints one line saying how to
continue, and exits with status 128 + the signal number (130, 143).

A signal that arrives while a checkpoint is being written is held until the
file is complete (:func:`deferred`); a second signal while stopping ends
the process at once. Where Python swallows the exception (a signal handled
inside a ``__del__`` or an at-fork callback), :class:`StopCheckHook` raises
it again at the next iteration, and an error that the stop causes (a
DataLoader whose workers were ended) counts as the stop
(:func:`stop_requested`). Forked DataLoader workers inherit the handler: there
it raises ``KeyboardInterrupt``, on which a worker ends quietly.
"""
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time

from mmengine.hooks import Hook

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: 'SIGINT (Ctrl-C)', signal.SIGTERM: 'SIGTERM'}


class StopTraining(BaseException):
    """Raised in the main thread by the handler of SIGINT/SIGTERM (a
    ``BaseException``, so that no ``except Exception`` swallows it)."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self):
        return 128 + self.signum

    @property
    def name(self):
        return NAMES.get(self.signum, signal.Signals(self.signum).name)


_state = dict(
    active=False,
    stopping=None,
    critical=0,
    pending=None,
    pid=None,
    immediate=False,
    cleanup=(),
    unraisablehook=None)


def _exit_now(signum):
    """End the process at once, quietly: ``cleanup`` callables, the data
    workers, exit status 128 + ``signum``."""
    for cleanup in _state['cleanup']:
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    end_child_processes(0.5)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(128 + signum)


def _stop(signum):
    _state['stopping'] = signum
    if _state['immediate']:
        _exit_now(signum)  # a process of torchrun, which reports it
    # the workers first: unwinding runs the DataLoader's shutdown, which
    # waits seconds for workers that the signal interrupted
    end_child_processes()
    raise StopTraining(signum)


def stop_requested():
    """The signal that is stopping the run (None when none): training code
    that fails after it (e.g. a DataLoader whose workers were ended) is
    part of the stop, not an error."""
    return _state['stopping'] if _state['active'] else None


def raise_if_stopping():
    """Raise :class:`StopTraining` when a stop signal came but its
    exception was swallowed (a signal handled in a ``__del__`` or an
    at-fork callback, whose exceptions Python ignores)."""
    if _state['active'] and _state['stopping'] and not _state['critical']:
        raise StopTraining(_state['stopping'])


class StopCheckHook(Hook):
    """Calls :func:`raise_if_stopping` around every iteration
    (:class:`~mmfg.engine.FGRunner` adds it while training)."""

    priority = 'HIGHEST'

    def _check(self, *args, **kwargs):
        raise_if_stopping()

    before_train_iter = after_train_iter = _check
    before_val_iter = after_val_iter = _check
    before_train_epoch = after_train_epoch = _check


def _unraisable(unraisable):
    if isinstance(unraisable.exc_value, StopTraining):
        return  # the stop goes on (StopCheckHook), quietly
    if _state['stopping'] and 'ignored due to race condition' in str(
            unraisable.exc_value):
        # CPython's note for a SIGCHLD that came just before
        # end_child_processes reset its handler: part of the stop
        return
    _state['unraisablehook'](unraisable)


def _handler(signum, frame):
    if os.getpid() != _state['pid']:
        # a forked DataLoader worker (it inherits the handler): its loop
        # ends quietly on KeyboardInterrupt, with status 0
        raise KeyboardInterrupt
    if _state['stopping'] or (_state['critical'] and _state['pending']):
        _exit_now(signum)  # a second signal: stop now
    if _state['critical']:
        _state['pending'] = signum
        return
    _stop(signum)


@contextlib.contextmanager
def stop_on_signals(immediate=False, cleanup=()):
    """Within this context (main thread only; elsewhere it does nothing),
    SIGINT and SIGTERM raise :class:`StopTraining`; with ``immediate``
    (a process of a torchrun job, whose launcher reports the signal), they
    end the process at once instead (``cleanup`` callables, the data
    workers, exit status 128 + the signal)."""
    if threading.current_thread() is not threading.main_thread() or \
            _state['active']:
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _state.update(
        active=True,
        stopping=None,
        critical=0,
        pending=None,
        pid=os.getpid(),
        immediate=immediate,
        cleanup=tuple(cleanup))
    _state['unraisablehook'] = sys.unraisablehook
    sys.unraisablehook = _unraisable
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        _state.update(active=False, immediate=False, cleanup=())
        sys.unraisablehook = _state['unraisablehook']
        for s, old in previous.items():
            signal.signal(s, old if old is not None else signal.SIG_DFL)


@contextlib.contextmanager
def deferred():
    """Hold SIGINT/SIGTERM until the block ends (a checkpoint being
    written), then stop."""
    _state['critical'] += 1
    try:
        yield
    finally:
        _state['critical'] -= 1
        pending = _state['pending']
        if not _state['critical'] and pending is not None and _state[
                'active'] and not _state['stopping']:
            _state['pending'] = None
            _stop(pending)


def end_child_processes(timeout=1.0):
    """End this process's multiprocessing children (DataLoader workers)
    now (SIGKILL: a worker holds nothing that needs saving, and one that
    ends itself may wait on a queue nobody reads), waiting up to
    ``timeout`` seconds for them. The DataLoader's SIGCHLD check is
    switched off first (it would report the workers' deaths as an
    error)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    except (ValueError, OSError, AttributeError):
        pass
    children = multiprocessing.active_children()
    for child in children:
        try:
            child.kill()
        except (OSError, ValueError, AttributeError):
            pass
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.join(max(0.0, deadline - time.monotonic()))
        except (OSError, ValueError, AssertionError):
            pass


#: what gloo/NCCL/the TCP store say when another process of the job died
PEER_LOST = ('Connection reset by peer', 'Connection closed by peer',
             'Broken pipe', 'NCCL communicator was aborted', 'Socket Timeout',
             'recvValue failed')


def peer_lost(exc):
    """Whether ``exc`` (raised in a process of a torchrun job) says that
    another process of the job went away mid-collective."""
    return isinstance(exc, RuntimeError) and any(
        text in str(exc) for text in PEER_LOST)


def await_launcher_stop(timeout=5.0):
    """In a process of a torchrun job whose peer died: wait for torchrun's
    SIGTERM (the handler of :func:`stop_on_signals` with ``immediate`` then
    exits quietly with 143, and the launcher names the process that died);
    if none comes within ``timeout`` s, end the process with status 1 and
    one line. Never returns."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
    print(
        'error: another process of this distributed job went away '
        '(its connection was lost); run the same command with --resume '
        'to continue',
        file=sys.stderr,
        flush=True)
    end_child_processes(0.5)
    os._exit(1)
