"""tools/gpu_check: the dry run of the GPU check on CPU (the same checks,
AMP replaced by CPU autocast bfloat16) writes a record per check to JSON and
Markdown; build_wheels.sh --dry-run lists what it would fetch."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from ..conftest import REPO

TOOL = osp.join(REPO, 'tools', 'gpu_check')


def _checks_module():
    spec = importlib.util.spec_from_file_location('gpu_checks',
                                                  osp.join(TOOL, 'checks.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _env():
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    env.pop('OUT', None)
    return env


def test_dry_run_lenet5_and_fve_layer(tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.run([
        sys.executable,
        osp.join(TOOL, 'checks.py'), '--device', 'cpu', '--dry-run',
        '--groups', 'train,fve', '--methods', 'lenet5', '--work',
        str(tmp_path / 'work'), '--out',
        str(out), '--budget', '150'
    ],
                          capture_output=True,
                          text=True,
                          env=_env(),
                          timeout=200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads((out / 'results.json').read_text())
    assert data['meta']['device'] == 'cpu' and data['meta']['dry_run']
    checks = {c['id']: c for c in data['checks']}
    assert set(checks) == {
        'train-lenet5-fp32', 'train-lenet5-amp', 'fve-layer-autocast-vs-fp32'
    }
    assert all(c['status'] == 'pass' for c in checks.values())
    for tag in ('train-lenet5-fp32', 'train-lenet5-amp'):
        d = checks[tag]['details']
        # 20 fixture images at batch 8: 3 iterations, each loss logged
        assert d['iters'] == 3 and len(d['losses']) == 3
        assert all(isinstance(v, float) for v in d['losses'])
        assert d['nonfinite'] == [] and osp.isfile(d['checkpoint'])
    # the AMP run went through the autocast stand-in, the other did not
    logs = tmp_path / 'work' / 'logs'
    assert 'CPUAutocastOptimWrapper' in (logs /
                                         'train-lenet5-amp.log').read_text()
    assert 'CPUAutocastOptimWrapper' not in (
        logs / 'train-lenet5-fp32.log').read_text()
    fve = checks['fve-layer-autocast-vs-fp32']['details']
    assert fve['dtype'] == 'torch.bfloat16'
    assert fve['rel_diff']['stats'] <= 1e-3 and fve['nonfinite'] == []
    md = (out / 'results.md').read_text()
    assert '| check | status | s | details |' in md
    for tag in checks:
        assert f'| {tag} | pass |' in md


def test_failed_check_recorded_and_run_goes_on(tmp_path):
    """A training run that errors is a 'fail' record with the tool's error
    line; the next check still runs and the exit status is 1."""
    mod = _checks_module()
    args = mod.parse_args([
        '--device', 'cpu', '--dry-run', '--work',
        str(tmp_path / 'w'), '--out',
        str(tmp_path / 'o'), '--budget', '60'
    ])
    ctx = mod.Context(args)
    mod.prepare_data(ctx)
    rec = mod.Recorder(args.out, dict(device='cpu'))
    # a config that does not exist: tools/train.py fails in one line
    r = mod.one_training(ctx, 'missing', 'configs/no/such_config.py', False)
    rec.add(r)
    assert r['status'] == 'fail' and 'such_config' in r['message']
    mod.check_fve_layer(ctx, rec)
    data = json.loads((tmp_path / 'o' / 'results.json').read_text())
    assert [c['status'] for c in data['checks']] == ['fail', 'pass']
    md = (tmp_path / 'o' / 'results.md').read_text()
    assert '1 passed, 1 failed, 0 skipped' in md


def test_markdown_escapes_and_merges(tmp_path):
    mod = _checks_module()
    rec = mod.Recorder(str(tmp_path), dict(device='cuda'))
    rec.add(mod.record('a', 'g', 'pass', 1.0, summary='x | y'))
    rec.add(mod.record('a', 'g', 'fail', 2.0, 'boom'))  # same id: replaced
    rec2 = mod.Recorder(str(tmp_path), dict(mmcv_ops_build='rc 0 after 9 s'))
    rec2.add(mod.record('b', 'g', 'skip', 0, 'no time left'))
    data = json.loads((tmp_path / 'results.json').read_text())
    assert [c['id'] for c in data['checks']] == ['a', 'b']
    assert data['meta'] == dict(device='cuda', mmcv_ops_build='rc 0 after 9 s')
    md = (tmp_path / 'results.md').read_text()
    assert '| a | fail | 2.0 | boom |' in md
    assert 'x | y' not in md and '- mmcv_ops_build: rc 0 after 9 s' in md


def test_bad_option_is_one_line(tmp_path):
    proc = subprocess.run([
        sys.executable,
        osp.join(TOOL, 'checks.py'), '--dry-run', '--groups', 'train,nope'
    ],
                          capture_output=True,
                          text=True,
                          env=_env(),
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "error: unknown --groups ['nope']")


def test_build_wheels_dry_run(tmp_path):
    target = tmp_path / 'whl'
    proc = subprocess.run(
        ['bash',
         osp.join(TOOL, 'build_wheels.sh'), '--dry-run',
         str(target)],
        capture_output=True,
        text=True,
        timeout=30)
    assert proc.returncode == 0, proc.stderr
    for want in ('mmengine==0.10.7', 'mmpretrain==1.2.0', 'mmdet==3.3.0',
                 'pycocotools', 'sdist  mmcv==2.1.0', 'MMCV_WITH_OPS=0',
                 'wheel  mmfg from', 'limit: 64 MiB'):
        assert want in proc.stdout
    assert not target.exists()  # nothing fetched or written
    bad = subprocess.run(
        ['bash', osp.join(TOOL, 'build_wheels.sh'), '--nope'],
        capture_output=True,
        text=True,
        timeout=30)
    assert bad.returncode == 2 and bad.stderr.startswith('error: ')


@pytest.mark.slow
def test_run_checks_sh_dry_run_all_groups(tmp_path):
    """run_checks.sh's flow (no install, no build) with every check on CPU."""
    env = dict(
        _env(),
        GPU_CHECK_DRY='1',
        OUT=str(tmp_path / 'out'),
        GPU_CHECK_WORK=str(tmp_path / 'work'),
        GPU_CHECK_BUDGET='400',
        PYTHON=sys.executable)
    proc = subprocess.run(['bash', osp.join(TOOL, 'run_checks.sh')],
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=460)
    assert proc.returncode == 0, proc.stdout[-3000:]
    data = json.loads((tmp_path / 'out' / 'results.json').read_text())
    ids = {c['id']: c['status'] for c in data['checks']}
    for m in ('lenet5', 'racnn', 'topdown', 'fve', 'focus-longer', 'gasa'):
        assert ids[f'train-{m}-fp32'] == ids[f'train-{m}-amp'] == 'pass'
    for m in ('racnn', 'topdown', 'fve', 'focus-longer', 'gasa'):
        assert ids[f'bench-{m}-fp32'] == 'pass'
    assert ids['dist-fve-1proc'] == ids['dist-focus-longer-sum-1proc'] == \
        'pass'
    assert ids['fve-train-amp-vs-fp32'] == 'pass'
    assert ids['mmcv-ops-cpu-vs-cpu'] == 'pass'
    for name in ('results.md', 'run_checks.log', 'mmcv_build.log'):
        assert (tmp_path / 'out' / name).is_file()
