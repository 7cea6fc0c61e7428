"""A killed run loses nothing: real ``tools/train.py`` (and 2-process
``tools/dist_train.sh``) runs on a slice of the real Fashion-MNIST are
SIGKILLed mid-iteration, mid-validation, mid-checkpoint-save and at random
moments, resumed with ``--resume``, and end with the same weights and
optimizer state as an uninterrupted run with the same seed."""
import glob
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import torch

from ..conftest import BASELINE_CFG, REPO, free_port, run_tool

TRAIN = osp.join(REPO, 'tools', 'train.py')
DIST_TRAIN = osp.join(REPO, 'tools', 'dist_train.sh')
HERE = osp.dirname(osp.abspath(__file__))
KILLED = -signal.SIGKILL


def kill_config(tmp_path, max_epochs=3, extra=''):
    """The baseline on 256 train / 128 val images, 4 iterations an epoch
    (2 data workers: their seeding must resume too), one checkpoint kept
    (so that a kill while saving has nothing else to fall back on), plus
    the test-only :mod:`kill_points` hook."""
    path = tmp_path / 'kill.py'
    path.write_text(f"""_base_ = [{BASELINE_CFG!r}]
custom_imports = dict(imports=['kill_points'], allow_failed_imports=False)
custom_hooks = [dict(type='EpochSeedHook'), dict(type='KillPointHook')]
train_dataloader = dict(batch_size=64, num_workers=2,
                        dataset=dict(indices=256))
val_dataloader = dict(num_workers=0, dataset=dict(indices=128))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={max_epochs})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(max_keep_ckpts=1))
""" + extra)
    return str(path)


def env(kill=None, port=None):
    out = {'PYTHONPATH': f'{REPO}{os.pathsep}{HERE}'}
    if kill:
        out['MMFG_TEST_KILL'] = kill
    if port:
        out['PORT'] = str(port)
    return out


def load(path):
    from mmfg.engine import checkpoint_safe_globals
    with checkpoint_safe_globals():
        return torch.load(path, map_location='cpu')


def assert_same_run(a_path, b_path):
    a, b = load(a_path), load(b_path)
    assert a['meta']['epoch'] == b['meta']['epoch']
    assert a['meta']['iter'] == b['meta']['iter']
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(
            b['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
    for sa, sb in zip(a['optimizer']['state'].values(),
                      b['optimizer']['state'].values()):
        torch.testing.assert_close(
            sa['momentum_buffer'], sb['momentum_buffer'], rtol=0, atol=1e-6)


def log_of(proc):
    return proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('straight')
    cfg = kill_config(tmp)
    proc = run_tool([TRAIN, cfg, '--work-dir', str(tmp / 'w')], env=env())
    assert proc.returncode == 0, log_of(proc)
    return tmp / 'w' / 'epoch_3.pth'


def test_killed_mid_iteration_validation_and_save(straight, tmp_path):
    cfg = kill_config(tmp_path)
    work = tmp_path / 'w'
    base = [TRAIN, cfg, '--work-dir', str(work)]

    # 1. killed inside the forward of epoch 2, iteration 3
    proc = run_tool(base, env=env('iter:2:3'))
    assert proc.returncode == KILLED, log_of(proc)
    assert 'Epoch(train) [2][2/4]' in proc.stdout + proc.stderr
    assert (work / 'last_checkpoint').read_text().endswith('epoch_1.pth')

    # 2. resumed (epoch 1), killed inside validation after epoch 2
    proc = run_tool(base + ['--resume'], env=env('val:2:1'))
    assert proc.returncode == KILLED, log_of(proc)
    assert 'resumed epoch: 1, iter: 4' in proc.stdout + proc.stderr
    assert osp.isfile(work / 'epoch_2.pth')

    # 3. resumed (epoch 2), killed while writing the epoch-3 checkpoint
    proc = run_tool(base + ['--resume'], env=env('save:3:0'))
    assert proc.returncode == KILLED, log_of(proc)
    assert 'resumed epoch: 2, iter: 8' in proc.stdout + proc.stderr
    # the half-written file is under a temporary name, never epoch_3.pth;
    # epoch_2.pth (max_keep_ckpts=1) is still there
    assert not osp.exists(work / 'epoch_3.pth')
    # (temporary names are per process: .epoch_3.pth.<pid>.tmp)
    assert glob.glob(str(work / '.epoch_3.pth.*.tmp'))
    assert (work / 'last_checkpoint').read_text().endswith('epoch_2.pth')
    assert osp.isfile(work / 'epoch_2.pth')

    # 4. resumed (epoch 2) to the end
    proc = run_tool(base + ['--resume'], env=env())
    assert proc.returncode == 0, log_of(proc)
    assert 'resumed epoch: 2, iter: 8' in proc.stdout + proc.stderr
    assert not glob.glob(str(work / '.epoch_3.pth*.tmp'))
    assert not osp.exists(work / 'epoch_2.pth')  # rotated after epoch 3
    assert_same_run(straight, work / 'epoch_3.pth')


def test_resume_skips_incomplete_checkpoints(straight, tmp_path):
    """A last_checkpoint that names a truncated file (e.g. copied from a
    machine that died), or is empty: --resume takes the newest complete
    checkpoint instead."""
    cfg = kill_config(tmp_path, max_epochs=2)
    work = tmp_path / 'w'
    proc = run_tool([TRAIN, cfg, '--work-dir', str(work)], env=env())
    assert proc.returncode == 0, log_of(proc)
    # keep epoch_2 as epoch_1's successor would have been; break a copy
    data = (work / 'epoch_2.pth').read_bytes()
    (work / 'epoch_3.pth').write_bytes(data[:len(data) // 3])
    (work / 'last_checkpoint').write_text(str(work / 'epoch_3.pth'))
    cfg3 = kill_config(tmp_path)
    proc = run_tool([TRAIN, cfg3, '--work-dir',
                     str(work), '--resume'],
                    env=env())
    assert proc.returncode == 0, log_of(proc)
    log = proc.stdout + proc.stderr
    assert 'which is missing or incomplete' in log
    assert 'resumed epoch: 2, iter: 8' in log
    assert_same_run(straight, work / 'epoch_3.pth')


def _train_until_killed(args, delay, environ):
    """Start ``args``; SIGKILL it ``delay`` s after its first training
    iteration is logged. Returns its exit status."""
    full = dict(os.environ, **environ)
    full['PYTHONPATH'] = environ['PYTHONPATH']
    proc = subprocess.Popen(
        [sys.executable] + args,
        cwd=REPO,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    timer = None
    for line in proc.stdout:
        if timer is None and 'Epoch(train) [1][1/4]' in line:
            timer = threading.Timer(delay, proc.send_signal,
                                    (signal.SIGKILL, ))
            timer.start()
    code = proc.wait()
    if timer is not None:
        timer.cancel()
    return code


@pytest.mark.slow
def test_killed_at_random_moments(straight, tmp_path):
    """Two SIGKILLs from outside at random moments (seeded), then resume to
    the end: same weights."""
    rng = random.Random(17)
    cfg = kill_config(tmp_path)
    work = tmp_path / 'w'
    args = [TRAIN, cfg, '--work-dir', str(work)]
    codes = []
    for _ in range(2):
        codes.append(
            _train_until_killed(args + (['--resume'] if codes else []),
                                rng.uniform(0.3, 2.0), env()))
    assert KILLED in codes, codes  # at least one kill landed mid-run
    finished = osp.isfile(work / 'epoch_3.pth')  # before a kill came
    proc = run_tool(args + ['--resume'], env=env())
    if finished:
        assert proc.returncode == 1, log_of(proc)
        assert 'nothing left to train' in proc.stderr
    else:
        assert proc.returncode == 0, log_of(proc)
    assert_same_run(straight, work / 'epoch_3.pth')


def dist_config(tmp_path):
    return kill_config(
        tmp_path,
        max_epochs=2,
        extra='train_dataloader = dict(batch_size=32)\n')


@pytest.mark.slow
def test_dist_rank_killed_mid_epoch_then_resume(tmp_path):
    """2 gloo processes: rank 1 is SIGKILLed inside a forward of epoch 2;
    the job stops (no hang) with one clear line and status 1; --resume
    ends with the weights of an uninterrupted 2-process run."""
    cfg = dist_config(tmp_path)
    straight = run_tool(
        ['bash', DIST_TRAIN, cfg, '2', '--work-dir',
         str(tmp_path / 's')],
        env=env(port=free_port()),
        timeout=300)
    assert straight.returncode == 0, log_of(straight)

    work = tmp_path / 'w'
    cmd = ['bash', DIST_TRAIN, cfg, '2', '--work-dir', str(work)]
    start = time.monotonic()
    proc = run_tool(cmd, env=env('iter:2:2:1', free_port()), timeout=300)
    assert proc.returncode == 1, log_of(proc)
    assert time.monotonic() - start < 120  # stopped, not hung
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert 'rank 1' in lines[0] and 'SIGKILL' in lines[0]
    assert '--resume' in lines[0]
    assert 'Traceback' not in proc.stderr

    proc = run_tool(cmd + ['--resume'], env=env(port=free_port()), timeout=300)
    assert proc.returncode == 0, log_of(proc)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert_same_run(tmp_path / 's' / 'epoch_2.pth', work / 'epoch_2.pth')
