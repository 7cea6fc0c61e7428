"""One training run per work dir.

Two runs started into the same ``--work-dir`` would write one interleaved
log, one ``scalars.json`` and each other's checkpoints. :class:`WorkDirLock`
holds ``WORK_DIR/mmfg_train.lock`` for the whole run (rank 0 of a
distributed run): the file names the owner (pid, host, start time) and is
locked with ``fcntl.flock``, which the kernel releases when the owner dies,
even by SIGKILL. A second run is refused in one line naming the owner and
the lock file; the file of a run that died (its lock released, or, where
``flock`` is not supported, its pid gone on this host) is taken over with a
log line. The file is removed when the run ends.
"""
import atexit
import errno
import json
import os
import os.path as osp
import socket
import time

from mmfg.utils.errors import TrainingError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

LOCK_NAME = 'mmfg_train.lock'


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def _read_owner(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096).decode('utf-8', 'replace')
        owner = json.loads(data) if data.strip() else None
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


class WorkDirLock:
    """The lock of a training run on its work dir (see the module
    docstring).

    Args:
        work_dir (str): the run's work dir (created if missing).
    """

    def __init__(self, work_dir):
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self.fd = None
        self.owner_pid = None

    def _refuse(self, owner, exiting=False):
        pid = owner.get('pid', '?')
        host = owner.get('host', '?')
        since = owner.get('started', '?')
        what = (f'by the training run pid {pid} on host {host} (started '
                f'{since})')
        if exiting:
            what = (f'by the processes of training run pid {pid} (it has '
                    'ended; its data workers are still exiting: try again '
                    'in a few seconds)')
        elif host != socket.gethostname():
            what += ('; if that run is over, delete the lock file')
        return TrainingError(
            f'work dir {self.work_dir} is in use {what}; lock file '
            f'{self.path}. Wait for that run to finish or stop it, or train '
            'into another --work-dir')

    def acquire(self, logger=None):
        """Take the lock or raise :class:`TrainingError` naming its owner.
        A stale lock file (its run died) is taken over, with a warning on
        ``logger``."""
        os.makedirs(self.work_dir, exist_ok=True)
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                         0o644)
            locked = fcntl is not None
            try:
                if locked:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN,
                                 errno.EACCES):
                    owner = _read_owner(fd)
                    os.close(fd)
                    pid = owner.get('pid')
                    raise self._refuse(
                        owner,
                        exiting=isinstance(pid, int)
                        and owner.get('host') == socket.gethostname()
                        and not _alive(pid)) from None
                locked = False  # no flock here (some network file systems)
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # removed by its owner meanwhile: take the new one
                os.close(fd)
                continue
            owner = _read_owner(fd)
            pid = owner.get('pid')
            if owner and not locked and pid != os.getpid() and (
                    owner.get('host') != socket.gethostname()
                    or not isinstance(pid, int) or _alive(pid)):
                os.close(fd)
                raise self._refuse(owner)
            if owner and pid != os.getpid() and logger is not None:
                logger.warning(
                    f'work dir lock {self.path}: its run (pid {pid} on host '
                    f'{owner.get("host", "?")}, started '
                    f'{owner.get("started", "?")}) is no longer running; '
                    'lock taken over')
            text = json.dumps(
                dict(
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    started=time.strftime('%Y-%m-%d %H:%M:%S'))) + '\n'
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, text.encode())
            self.fd = fd
            self.owner_pid = os.getpid()
            atexit.register(self.release)
            return self
        raise TrainingError(f'could not lock the work dir {self.work_dir} '
                            f'(lock file {self.path} keeps changing)')

    def release(self):
        """Remove the lock file (when it is still ours) and unlock."""
        if self.fd is None or self.owner_pid != os.getpid():
            return  # not ours (a forked process)
        fd, self.fd = self.fd, None
        try:
            if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                os.remove(self.path)
        except OSError:
            pass
        os.close(fd)
