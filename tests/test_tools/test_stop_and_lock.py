"""A live run owns its work dir, and Ctrl-C / SIGTERM stop it at once with
one line, through the real ``tools/train.py`` (mmfg/engine/work_dir_lock.py,
mmfg/engine/signals.py)."""
import json
import os
import os.path as osp
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from ..conftest import REPO, run_tool
from .test_bad_input import error_line
from .test_errors import TRAIN, tiny_config

pytestmark = pytest.mark.tools

LOCK = 'mmfg_train.lock'


def long_config(tmp_path):
    """The tiny config without an end (an epoch takes a fraction of a
    second), 2 persistent data workers (alive when the signal comes), 2
    checkpoints kept."""
    return tiny_config(
        tmp_path,
        extra='train_dataloader = dict(batch_size=32, num_workers=2, '
        'persistent_workers=True, dataset=dict(indices=128))\n'
        'train_cfg = dict(max_epochs=100000)\n'
        'default_hooks = dict(logger=dict(interval=1), '
        'checkpoint=dict(max_keep_ckpts=2))\n')


def start(cfg, work, *extra, name='run'):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.pop('MMFG_DEBUG', None)
    out = open(osp.join(osp.dirname(work), f'{name}.out'), 'w')
    proc = subprocess.Popen(
        [sys.executable, TRAIN, cfg, '--work-dir', work, *extra],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True)  # its own group, as a terminal job
    proc.log = out.name
    return proc


def wait_for(cond, proc, timeout=120):
    end = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.monotonic() < end, 'timed out'
        time.sleep(0.1)


def children(pid):
    """The pids whose parent is ``pid`` (its DataLoader workers)."""
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open(f'/proc/{name}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def gone(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def stop(proc, sig, group):
    """Send ``sig`` (to the process group: a terminal's Ctrl-C); returns
    (seconds to exit, stderr, the workers it had)."""
    workers = children(proc.pid)
    began = time.monotonic()
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    took = time.monotonic() - began
    time.sleep(0.3)
    return took, proc.stderr.read(), workers


def check_stopped(proc, took, err, workers, status, name, work):
    assert proc.returncode == status, err[-3000:]
    assert took < 2, took
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err[-3000:]
    assert re.match(
        rf'stopped by {re.escape(name)} in epoch \d+ \(iteration \d+\); the '
        rf'checkpoints in {re.escape(work)} are complete; run the same '
        r'command with --resume to continue from .*epoch_\d+\.pth$',
        lines[0]), lines[0]
    assert workers, 'the run had no data workers'
    assert all(gone(pid) for pid in workers), 'orphaned data workers'
    assert not osp.exists(osp.join(work, LOCK))


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='/proc')
def test_lock_stop_on_signals_and_stale_lock(tmp_path):
    cfg = long_config(tmp_path)
    work = str(tmp_path / 'work')
    first = start(cfg, work)
    try:
        wait_for(lambda: osp.exists(osp.join(work, 'last_checkpoint')), first)
        # a second run into the same work dir is refused, naming the owner
        started = json.load(open(osp.join(work, LOCK)))['started']
        line = error_line(
            run_tool([TRAIN, cfg, '--work-dir', work, '--resume']))
        assert first.poll() is None
        assert line == (
            f'error: work dir {work} is in use by the training run pid '
            f'{first.pid} on host {socket.gethostname()} (started '
            f'{started}); lock file {work}/{LOCK}. Wait for that run to '
            'finish or stop it, or train into another --work-dir')
        # Ctrl-C in a terminal: SIGINT to the whole process group
        took, err, workers = stop(first, signal.SIGINT, group=True)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    check_stopped(first, took, err, workers, 130, 'SIGINT (Ctrl-C)', work)

    # the lock of a run that died (SIGKILL, power loss) is taken over
    dead = subprocess.Popen(['true'])
    dead.wait()
    with open(osp.join(work, LOCK), 'w') as f:
        json.dump(
            dict(pid=dead.pid, host=socket.gethostname(), started='x'), f)
    second = start(cfg, work, '--resume', name='resumed')
    try:
        wait_for(
            lambda: 'Epoch(train)' in open(second.log).read().partition(
                'resumed epoch')[2], second)
        log = open(second.log).read()
        assert (f'work dir lock {work}/{LOCK}: its run (pid {dead.pid} on '
                f'host {socket.gethostname()}, started x) is no longer '
                'running; lock taken over') in log
        assert json.load(open(osp.join(work, LOCK)))['pid'] == second.pid
        # SIGTERM to the training process alone (a scheduler's kill)
        took, err, workers = stop(second, signal.SIGTERM, group=False)
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
    check_stopped(second, took, err, workers, 143, 'SIGTERM', work)
