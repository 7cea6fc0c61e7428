"""experiments/proposals/cs_parts_repro.sh: a missing classifier checkpoint
or an unknown box mode stops it with one line (the first naming the command
that makes the checkpoint), before anything is written."""
import os
import subprocess

from ..conftest import REPO

SCRIPT = 'experiments/proposals/cs_parts_repro.sh'


def run(tmp_path, **env):
    return subprocess.run(['bash', SCRIPT],
                          cwd=REPO,
                          env=dict(
                              os.environ,
                              OUT=str(tmp_path / 'out'),
                              LOCK='',
                              **env),
                          capture_output=True,
                          text=True,
                          timeout=60)


def test_missing_classifier_is_one_line(tmp_path):
    proc = run(tmp_path, CLS_CKPT=str(tmp_path / 'missing.pth'))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f'error: {tmp_path}/missing.pth is missing; '
                               'make it with: python tools/train.py configs/'
                               'focus_longer/global_lenetfc_1xb128_cluttered-'
                               'fashion-mnist-56.py --work-dir ')
    assert lines[0].endswith('train_cfg.max_epochs=12 '
                             'param_scheduler.milestones=[6]')
    assert not (tmp_path / 'out').exists()


def test_unknown_mode_is_one_line(tmp_path):
    ckpt = tmp_path / 'cls.pth'
    ckpt.write_bytes(b'')
    proc = run(tmp_path, CLS_CKPT=str(ckpt), MODES='refine loose')
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: MODES entries are refine, refine-exhaustive or tight, got "
        "'loose'"
    ]
