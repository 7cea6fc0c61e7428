"""mmfg/engine/work_dir_lock.py: one training run per work dir; a stale
lock (its run died) is taken over with a warning."""
import json
import logging
import os
import socket
import subprocess

import pytest

from mmfg.engine import work_dir_lock
from mmfg.engine.work_dir_lock import LOCK_NAME, WorkDirLock
from mmfg.utils.errors import TrainingError


def dead_pid():
    proc = subprocess.Popen(['true'])
    proc.wait()
    return proc.pid


def write_owner(work, **owner):
    with open(work / LOCK_NAME, 'w') as f:
        json.dump(owner, f)


def test_second_run_refused_then_free_after_release(tmp_path):
    first = WorkDirLock(str(tmp_path)).acquire()
    owner = json.load(open(tmp_path / LOCK_NAME))
    assert owner['pid'] == os.getpid()
    assert owner['host'] == socket.gethostname()
    with pytest.raises(TrainingError) as info:
        WorkDirLock(str(tmp_path)).acquire()
    assert str(info.value).startswith(
        f'work dir {tmp_path} is in use by the training run pid '
        f'{os.getpid()} on host {socket.gethostname()} (started ')
    assert f'lock file {tmp_path}/{LOCK_NAME}' in str(info.value)
    first.release()
    assert not (tmp_path / LOCK_NAME).exists()
    WorkDirLock(str(tmp_path)).acquire().release()


def test_stale_lock_is_taken_over(tmp_path, caplog):
    pid = dead_pid()
    write_owner(tmp_path, pid=pid, host=socket.gethostname(), started='t')
    logger = logging.getLogger('test_work_dir_lock')
    with caplog.at_level(logging.WARNING, logger='test_work_dir_lock'):
        lock = WorkDirLock(str(tmp_path)).acquire(logger)
    assert (f'its run (pid {pid} on host {socket.gethostname()}, started t) '
            'is no longer running; lock taken over') in caplog.text
    assert json.load(open(tmp_path / LOCK_NAME))['pid'] == os.getpid()
    lock.release()


def test_without_flock_the_pid_decides(tmp_path, monkeypatch):
    """Where flock is not available: a live pid of this host or a run of
    another host keeps the lock; a dead pid of this host is stale."""
    monkeypatch.setattr(work_dir_lock, 'fcntl', None)
    write_owner(
        tmp_path, pid=os.getppid(), host=socket.gethostname(), started='t')
    with pytest.raises(TrainingError, match=f'pid {os.getppid()} on host'):
        WorkDirLock(str(tmp_path)).acquire()
    write_owner(tmp_path, pid=dead_pid(), host='elsewhere', started='t')
    with pytest.raises(
            TrainingError,
            match='host elsewhere .*if that run is '
            'over, delete the lock file'):
        WorkDirLock(str(tmp_path)).acquire()
    write_owner(
        tmp_path, pid=dead_pid(), host=socket.gethostname(), started='t')
    WorkDirLock(str(tmp_path)).acquire().release()
