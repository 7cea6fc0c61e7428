"""``torchrun`` for ``tools/dist_train.sh``/``dist_test.sh`` with a one-line
message when a process of the job dies.

torchrun already stops the whole job when one process fails (it sends the
others SIGTERM, so nobody waits forever in a collective), but reports it as
a ``ChildFailedError`` traceback. This wrapper runs torchrun
(``torch.distributed.run``) unchanged and turns that into::

    error: process rank 1 (pid 4242) was killed by SIGKILL; torchrun
    stopped the other 1 process(es) of the job. Checkpoints written so far
    are complete: run the same command with --resume to continue

and exit status 1. A process that ended with status 1 has already printed
its own ``error: ...`` line; then only a short note follows. A process that
stopped on SIGINT/SIGTERM (status 130/143, :mod:`mmfg.engine.signals`)
counts as killed by that signal; the launcher itself, stopped by a signal,
exits with 128 + its number.

Run it as a file (``python mmfg/engine/launch.py [torchrun args]``): it
imports nothing but torch, so it does not load mmfg in the launcher.
"""
import os
import os.path as osp
import sys

if __name__ == '__main__' and sys.path and osp.abspath(
        sys.path[0]) == osp.dirname(osp.abspath(__file__)):
    # run as a file: its folder (dist.py, hooks.py, ...) must not shadow
    # top-level modules
    sys.path.pop(0)

# exit statuses of a training process that stopped on a signal
# (mmfg.engine.signals): 128 + the signal number
STOPPED = {130: 'SIGINT', 143: 'SIGTERM'}


def describe_failure(exc, command='tools/train.py'):
    """The message for a ``ChildFailedError``: the process that failed
    first (the ones torchrun then stopped with SIGTERM are consequences)."""
    failures = sorted((getattr(exc, 'failures', {}) or {}).items())
    if not failures:
        return f'error: the job failed ({exc})'

    def signal_of(failure):
        code = getattr(failure, 'exitcode', None)
        if code in STOPPED:  # stopped by mmfg's own handler of the signal
            return STOPPED[code]
        if code is None or code >= 0:
            return None
        try:
            return failure.signal_name()
        except Exception:  # noqa: BLE001
            return f'signal {-code}'

    causes = [(r, f) for r, f in failures if signal_of(f) != 'SIGTERM']
    rank, first = (causes or failures)[0]
    sig = signal_of(first)
    if sig is not None:
        return (f'error: process rank {rank} (pid {first.pid}) was killed by '
                f'{sig}; torchrun stopped the other process(es) of the job, '
                'none is left waiting. Checkpoints written so far are '
                'complete: run the same command with --resume to continue '
                f'({command})')
    if first.exitcode == 1:
        ranks = ', '.join(str(r) for r, f in failures if f.exitcode == 1)
        return f'(dist: rank {ranks} stopped with the error above)'
    return (f'error: process rank {rank} (pid {first.pid}) failed with exit '
            f'status {first.exitcode} (see its output above); torchrun '
            'stopped the other process(es) of the job')


def main(argv=None):
    from torch.distributed.elastic.multiprocessing.errors import \
        ChildFailedError
    from torch.distributed.run import parse_args, run

    args = parse_args(argv)
    command = os.path.relpath(args.training_script) if getattr(
        args, 'training_script', None) else 'the tool'
    try:
        run(args)
    except ChildFailedError as exc:
        print(describe_failure(exc, command), file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - SignalException etc.
        if type(exc).__name__ != 'SignalException':
            raise
        print(
            f'error: the launcher received {exc.sigval.name}; the job was '
            'stopped. Checkpoints written so far are complete: run the same '
            'command with --resume to continue',
            file=sys.stderr)
        sys.exit(128 + int(exc.sigval))


if __name__ == '__main__':
    main()
