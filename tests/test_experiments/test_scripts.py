"""The experiment scripts: a missing prerequisite stops them with one line
naming the command that makes it, they never write into tracked files, and
publishing into the repository is the separate ``experiments/publish.sh``
step. Also: no ``sys.path`` manipulation in tools/ or experiments/, and
configs/ holds configs only."""
import os
import os.path as osp
import re
import shutil
import subprocess

import pytest

from ..conftest import REPO


def git_status():
    return subprocess.run(['git', 'status', '--porcelain'],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          check=True).stdout


def run_script(args, env):
    full_env = dict(os.environ, **env)
    return subprocess.run(
        ['bash'] + args,
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120)


@pytest.mark.tools
@pytest.mark.parametrize(
    'args, env, missing, command',
    [(['experiments/proposals/run.sh', 'cam'
       ], dict(CLS_CKPT='{tmp}/missing.pth', OUT='{tmp}/out'),
      '{tmp}/missing.pth', 'bash experiments/focus_longer/run.sh'),
     (['experiments/proposals/run.sh', 'detector'
       ], dict(OUT='{tmp}/out'), '{tmp}/out/cam_train10k_coco.json',
      'bash experiments/proposals/run.sh cam'),
     (['experiments/proposals/run.sh', 'generate'
       ], dict(OUT='{tmp}/out'), '{tmp}/out/rpn_cam/iter_300.pth',
      'bash experiments/proposals/run.sh detector'),
     (['experiments/proposals/run.sh', 'cam-train'
       ], dict(CLS_CKPT='{tmp}/missing.pth', OUT='{tmp}/out'),
      '{tmp}/missing.pth', 'bash experiments/focus_longer/run.sh'),
     (['experiments/proposals/run.sh', 'generate-1500it'
       ], dict(OUT='{tmp}/out'), '{tmp}/out/rpn_cam_1500it/iter_1500.pth',
      'bash experiments/proposals/run.sh detector-long'),
     (['experiments/racnn/run.sh'], dict(HR='{tmp}/hr.pth', WORK='{tmp}/work'),
      '{tmp}/hr.pth', 'bash experiments/racnn/run.sh hr')])
def test_missing_prerequisite_is_one_line(tmp_path, args, env, missing,
                                          command):
    env = {k: v.format(tmp=tmp_path) for k, v in env.items()}
    before = git_status()
    proc = run_script(args, env)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        f'error: {missing.format(tmp=tmp_path)} is missing; make it with: ' +
        lines[0].split('make it with: ')[1]
    ]
    assert command in lines[0]
    assert git_status() == before  # no tracked file written


@pytest.mark.tools
@pytest.mark.parametrize('step, output',
                         [('cam-train', 'cam_train.json'),
                          ('generate-1500it', 'rpn_cam_1500it_train.json')])
def test_proposal_step_skips_an_existing_output(tmp_path, step, output):
    """The leaderboard's full-train proposal steps do nothing when their
    file exists (their inputs are missing here: a run would stop)."""
    out = tmp_path / 'out'
    out.mkdir()
    (out / output).write_text('[]')
    proc = run_script(['experiments/proposals/run.sh', step],
                      dict(OUT=str(out), CLS_CKPT=str(tmp_path / 'no.pth')))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f'[skip] {out / output} exists\n'
    assert sorted(p.name for p in out.iterdir()) == sorted(['logs', output])


@pytest.mark.tools
def test_publish_copies_logs_and_results(tmp_path):
    # a stand-in repository: publish.sh works relative to its own place
    root = tmp_path / 'repo'
    (root / 'experiments' / 'fve').mkdir(parents=True)
    (root / 'experiments' / 'fve' / 'README.md').write_text('# FVE\n')
    shutil.copy(
        osp.join(REPO, 'experiments', 'publish.sh'),
        root / 'experiments' / 'publish.sh')
    work = tmp_path / 'work'
    (work / 'logs').mkdir(parents=True)
    (work / 'logs' / 'a_seed0.log').write_text('log\n')
    (work / 'results' / 'attack_seed0').mkdir(parents=True)
    (work / 'results' / 'attack_seed0' / 'attack.json').write_text('{}')
    proc = subprocess.run([
        'bash',
        str(root / 'experiments' / 'publish.sh'), 'fve',
        str(work), 'run-a'
    ],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    dest = root / 'experiments' / 'fve'
    assert (dest / 'logs' / 'run-a' / 'a_seed0.log').read_text() == 'log\n'
    assert (dest / 'results' / 'run-a' / 'attack_seed0' /
            'attack.json').read_text() == '{}'
    # nothing to publish, or no such experiment: one line, non-zero exit
    for bad in (['fve', str(tmp_path / 'empty')], ['nope', str(work)]):
        proc = subprocess.run(
            ['bash', str(root / 'experiments' / 'publish.sh')] + bad,
            capture_output=True,
            text=True)
        assert proc.returncode != 0
        assert len(proc.stderr.strip().splitlines()) == 1
        assert proc.stderr.startswith('error: ')


def tracked(*patterns):
    return subprocess.run(['git', 'ls-files', *patterns],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          check=True).stdout.split()


def test_no_sys_path_manipulation_in_tools_or_experiments():
    offenders = []
    for path in tracked('tools', 'experiments'):
        if path.endswith(('.py', '.sh')):
            text = open(osp.join(REPO, path)).read()
            if re.search(r'sys\.path\.(insert|append|extend)|sys\.path\s*=',
                         text):
                offenders.append(path)
    assert offenders == []


def test_configs_hold_configs_only():
    others = [
        p for p in tracked('configs')
        if not p.endswith(('.py', '/README.md', '/metafile.yml'))
    ]
    assert others == []


@pytest.mark.parametrize('epochs, ok', [(90, True), (180, False), (9, False),
                                        (900, False)])
def test_same_budget_refuses_to_resume_another_schedule(tmp_path, epochs, ok):
    """experiments/lib.sh same_budget: a work dir whose config dump has
    another max_epochs stops the script with one line (resuming would mix
    two schedules); a dir without a dump passes, also under the scripts'
    ``set -euo pipefail`` (a fresh run dir must not end the script)."""
    run_dir = tmp_path / 'run_seed0'
    run_dir.mkdir()
    (run_dir / 'cfg.py').write_text(
        'train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=2)\n')
    proc = subprocess.run([
        'bash', '-c', f'set -euo pipefail; source experiments/lib.sh; '
        f'same_budget {tmp_path}/new 7; same_budget {run_dir} {epochs}; '
        'echo passed'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True)
    if ok:
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ''
        assert proc.stdout == 'passed\n'
    else:
        assert proc.returncode == 2
        assert proc.stdout == ''
        lines = proc.stderr.strip().splitlines()
        assert lines == [
            f'error: {run_dir} holds a run made for another number of '
            f'epochs than {epochs} (see its cfg.py); use another WORK or '
            'move it away'
        ]


def test_copy_log_keeps_every_start_of_a_resumed_run(tmp_path):
    """experiments/lib.sh copy_log: a resumed run's published log holds the
    log of every start in the order of their timestamps (the first epochs
    are in the first start's log), whatever the files' modification times."""
    run_dir = tmp_path / 'run_seed0'
    for stamp, text in (('20261207_113000', 'epochs 4-40\n'),
                        ('20261207_101500', 'epochs 1-3\n')):
        (run_dir / stamp).mkdir(parents=True)
        (run_dir / stamp / f'{stamp}.log').write_text(text)
    # the first start's log touched last (copied, restored from a backup)
    os.utime(run_dir / '20261207_101500' / '20261207_101500.log', None)
    dest = tmp_path / 'logs' / 'run_seed0.log'
    proc = subprocess.run([
        'bash', '-c', 'set -euo pipefail; source experiments/lib.sh; '
        f'copy_log {run_dir} {dest}'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert dest.read_text() == 'epochs 1-3\nepochs 4-40\n'
