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
the process at once. Forked DataLoader workers inherit the handler: there
it raises ``KeyboardInterrupt``, on which a worker ends quietly.
"""
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time

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
    stopping=False,
    critical=0,
    pending=None,
    pid=None,
    immediate=False,
    cleanup=())


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
    _state['stopping'] = True
    if _state['immediate']:
        _exit_now(signum)  # a process of torchrun, which reports it
    raise StopTraining(signum)


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
        stopping=False,
        critical=0,
        pending=None,
        pid=os.getpid(),
        immediate=immediate,
        cleanup=tuple(cleanup))
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        _state.update(active=False, immediate=False, cleanup=())
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
    now: SIGTERM, then SIGKILL after ``timeout`` seconds. The DataLoader's
    SIGCHLD check is switched off first (it would report the workers'
    deaths as an error)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    except (ValueError, OSError, AttributeError):
        pass
    children = multiprocessing.active_children()
    for child in children:
        try:
            child.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            try:
                child.kill()
                child.join(0.5)
            except (OSError, ValueError, AttributeError):
                pass
