"""The leaderboard generator (mmfg/analysis/leaderboard.py,
tools/analysis_tools/leaderboard.py) on real training logs.

A module fixture trains the global LeNetFC of the tiny spec
(leaderboard_data/spec.yml: 64 canvases, 2 epochs of one iteration) for
seeds 0 and 1 with tools/train.py and the spec's budget options, and
measures its cost with tools/analysis_tools/benchmark.py; the tests read
those logs back, edit copies of them, and compare the table with the
numbers parsed from the logs by a plain regex."""
import json
import os
import os.path as osp
import re
import runpy
import shutil
import statistics
import subprocess
import sys

import pytest

from mmfg.analysis import leaderboard as lb
from mmfg.analysis.config_dump import Expr
from mmfg.utils import ConfigError, DataError

pytestmark = pytest.mark.tools  # trains through the runner end to end

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPEC = osp.join(REPO, 'tests/test_analysis/leaderboard_data/spec.yml')
CFG = ('configs/cluttered_fashion_mnist/'
       'lenetfc_1xb128_cluttered-fashion-mnist.py')
TOOL = osp.join(REPO, 'tools/analysis_tools/leaderboard.py')
VAL_LINE = re.compile(r'Epoch\(val\) \[(\d+)\]\[\d+/\d+\]\s+accuracy/top1: '
                      r'([\d.]+)\s+single-label/recall: ([\d.]+)')


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # spec and config paths are repository-relative


def tool(*args):
    return runpy.run_path(TOOL)['main'](list(args))


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Two real runs (seeds 0, 1) of row lenetfc of the tiny spec; their
    logs under logs/tiny/, the cost file under results/tiny/cost/."""
    os.chdir(REPO)
    root = tmp_path_factory.mktemp('leaderboard')
    bench = lb.load_spec(SPEC)['tiny']
    row = bench['rows'][0]
    opts = lb.budget_options(bench, row)
    driver = (
        'import runpy, sys\n'
        'cfg, work, *opts = sys.argv[1:]\n'
        'for seed in (0, 1):\n'
        '    sys.argv = ["tools/train.py", cfg, "--work-dir",\n'
        '                f"{work}/lenetfc_seed{seed}", "--cfg-options",\n'
        '                f"randomness.seed={seed}", *opts]\n'
        '    runpy.run_path("tools/train.py", run_name="__main__")\n')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', driver, CFG,
         str(root / 'work'), *opts],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    logs = root / 'logs' / 'tiny'
    logs.mkdir(parents=True)
    for seed in (0, 1):
        run_dir = root / 'work' / f'lenetfc_seed{seed}'
        (log, ) = run_dir.glob('2*/2*.log')
        shutil.copy(log, logs / f'lenetfc_seed{seed}.log')
    cost = root / 'results' / 'tiny' / 'cost'
    cost.mkdir(parents=True)
    bench_main = runpy.run_path(
        osp.join(REPO, 'tools/analysis_tools/benchmark.py'))['main']
    bench_main([
        CFG, '--baseline', CFG, '--warmup', '0', '--repeat', '1', '--iters',
        '1', '--data-repeat', '1', '--data-batches', '1', '--json',
        str(cost / 'lenetfc.json')
    ])
    return root


def copy_tree(runs, tmp_path):
    dest = tmp_path / 'copy'
    shutil.copytree(runs / 'logs', dest / 'logs')
    shutil.copytree(runs / 'results', dest / 'results')
    return dest


def table(root, *extra):
    bench = lb.load_spec(SPEC)['tiny']
    collected = lb.collect('tiny', bench, str(root / 'logs'),
                           str(root / 'results'), *extra)
    return lb.leaderboard_markdown('tiny', bench, collected)


def cells(text, name):
    (line, ) = [ln for ln in text.split('\n') if f'| {name} |' in ln]
    return [c.strip() for c in line.strip('|').split('|')]


def test_table_numbers_are_the_logs_last_validation(runs):
    top1, recall, ranges = [], [], []
    for seed in (0, 1):
        text = (runs / 'logs/tiny' / f'lenetfc_seed{seed}.log').read_text()
        found = VAL_LINE.findall(text)
        assert [int(f[0]) for f in found] == [1, 2]
        top1.append(float(found[-1][1]))
        recall.append(float(found[-1][2]))
        ranges.append(abs(float(found[1][1]) - float(found[0][1])))
    md = table(runs, True)
    row = cells(md, 'lenetfc')
    assert row[3] == (f'{statistics.mean(top1):.2f} ± '
                      f'{statistics.stdev(top1):.2f} (2/2 seeds)')
    assert row[4] == (f'{statistics.mean(recall):.2f} ± '
                      f'{statistics.stdev(recall):.2f}')
    assert row[5] == '(baseline)'
    # plateau: the worst seed's range over its (two) validated epochs
    flag = ' not plateaued' if max(ranges) > 0.5 else ''
    assert row[6] == f'{max(ranges):.2f} (last 2){flag}'
    # LeNetFC parameters by hand: convs 6x1x5x5, 16x6x5x5, 32x16x3x3 and
    # the 10x32 class conv with biases, BN weight+bias after each
    params = (150 + 6 + 12) + (2400 + 16 + 32) + (4608 + 32 + 64) + (320 + 10 +
                                                                     20)
    assert row[7] == f'{params / 1e3:.2f}k'
    assert row[9] == row[10] == 'x1.00'  # itself as baseline
    oracle = cells(md, 'oracle')
    assert oracle[3] == 'not run (0/2 seeds)'
    assert oracle[5] == '- (vs lenetfc)'
    assert oracle[6] == '-'


def test_plateau_is_the_range_of_the_last_epochs():
    # 12 epochs, epoch 5 validated twice (a resumed run): the later counts;
    # the last 10 are epochs 3..12
    vals = [(e, {'accuracy/top1': 80.0 + e / 10}) for e in range(1, 13)]
    vals.insert(4, (5, {'accuracy/top1': 99.0}))
    vals.append((12, {'single-label/recall': 1.0}))  # no top-1: skipped
    got = lb.plateau(vals)
    assert got['plateau_epochs'] == 10
    assert got['plateau'] == pytest.approx(81.2 - 80.3)
    assert lb.plateau(
        vals, window=3) == dict(
            plateau=pytest.approx(81.2 - 81.0), plateau_epochs=3)
    # a seed above the tolerance flags the row, the worst seed is shown
    runs = [
        dict(plateau=0.2, plateau_epochs=10),
        dict(plateau=0.7, plateau_epochs=10)
    ]
    assert lb._fmt_plateau(runs) == '0.70 not plateaued'
    assert lb._fmt_plateau(runs[:1]) == '0.20'


def test_missing_runs_are_refused_without_allow_missing(runs):
    with pytest.raises(DataError, match='oracle seed 0, oracle seed 1'):
        table(runs)


def test_partial_row_says_how_many_seeds(runs, tmp_path):
    root = copy_tree(runs, tmp_path)
    (root / 'logs/tiny/lenetfc_seed1.log').unlink()
    text = (root / 'logs/tiny/lenetfc_seed0.log').read_text()
    top1 = float(VAL_LINE.findall(text)[-1][1])
    assert cells(table(root, True), 'lenetfc')[3] == \
        f'{top1:.2f} (1/2 seeds)'


@pytest.mark.parametrize(
    'old, new, field',
    [('max_epochs=2,', 'max_epochs=3,', 'train_cfg.max_epochs'),
     ("mode='bu',", "mode='td',", 'model.backbone.mode'),
     ('seed=0)\nresume', 'seed=1)\nresume', 'randomness.seed'),
     ('milestones=[\n        1,', 'milestones=[\n        2,',
      'param_scheduler.milestones.0'),
     ("split='train',", "split='train', indices=None,",
      'train_dataloader.dataset.indices')])
def test_log_of_another_config_or_budget_is_refused(runs, tmp_path, old, new,
                                                    field):
    root = copy_tree(runs, tmp_path)
    log = root / 'logs/tiny/lenetfc_seed0.log'
    text = log.read_text()
    assert old in text
    log.write_text(text.replace(old, new))
    with pytest.raises(DataError) as err:
        table(root, True)
    msg = str(err.value)
    assert str(log) in msg and f': {field} expected' in msg, msg
    assert '\n' not in msg


def test_unfinished_run_is_refused(runs, tmp_path):
    root = copy_tree(runs, tmp_path)
    log = root / 'logs/tiny/lenetfc_seed1.log'
    lines = log.read_text().split('\n')
    last = max(i for i, ln in enumerate(lines) if 'Epoch(val) [2]' in ln)
    log.write_text('\n'.join(lines[:last]))
    with pytest.raises(DataError, match='unfinished run.*after epoch 1 of 2'):
        table(root, True)


def test_two_logs_a_foreign_seed_or_row_are_refused(runs, tmp_path):
    root = copy_tree(runs, tmp_path)
    logs = root / 'logs/tiny'
    (logs / 'old').mkdir()
    shutil.copy(logs / 'lenetfc_seed0.log', logs / 'old/lenetfc_seed0.log')
    with pytest.raises(DataError, match='two logs for row lenetfc seed 0'):
        table(root, True)
    shutil.rmtree(logs / 'old')
    shutil.copy(logs / 'lenetfc_seed0.log', logs / 'lenetfc_seed7.log')
    with pytest.raises(DataError, match=r'seed 7 is outside .*\[0, 1\]'):
        table(root, True)
    (logs / 'lenetfc_seed7.log').rename(logs / 'other_seed0.log')
    with pytest.raises(DataError, match='other_seed0.log: the name is not'):
        table(root, True)


def test_cost_file_of_another_baseline_is_refused(runs, tmp_path):
    root = copy_tree(runs, tmp_path)
    path = root / 'results/tiny/cost/lenetfc.json'
    data = json.loads(path.read_text())
    data['results'][0]['baseline'] = 'something_else'
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match='against the baseline'):
        table(root, True)


def test_check_passes_on_the_written_table_and_fails_on_an_edit(
        runs, tmp_path, capsys):
    readme = tmp_path / 'README.md'
    readme.write_text(f'# x\n\n{lb.BEGIN}\nold\n{lb.END}\n\ntext after\n')
    common = ('--spec', SPEC, '--benchmark', 'tiny', '--logs',
              str(runs / 'logs'), '--results', str(runs / 'results'),
              '--allow-missing')
    assert tool(*common, '--out', str(readme)) == 0
    text = readme.read_text()
    assert text.endswith(f'{lb.END}\n\ntext after\n') and 'old' not in text
    assert tool(*common, '--check', str(readme)) == 0
    readme.write_text(text.replace('(2/2 seeds)', '(5/5 seeds)'))
    capsys.readouterr()
    assert tool(*common, '--check', str(readme)) == 1
    out = capsys.readouterr()
    assert '+| baselines | lenetfc |' in out.out
    assert 'differs from the table' in out.err


@pytest.mark.parametrize('readme_path',
                         ['experiments/leaderboard/README.md', 'README.md'])
def test_committed_table_matches_the_committed_logs(readme_path, capsys):
    """The table in experiments/leaderboard/README.md and the one heading the
    top README are what the generator makes of the logs in the repository;
    rows without logs say so."""
    readme = osp.join(REPO, readme_path)
    assert tool('--check', readme, '--allow-missing') == 0
    block = lb.extract_block(open(readme, encoding='utf-8').read(), readme)
    spec = lb.load_spec(osp.join(REPO, lb_default_spec()))
    bench = spec['cluttered-fashion-mnist']
    logs = lb.find_logs(
        osp.join(REPO, 'experiments/leaderboard/logs'),
        'cluttered-fashion-mnist', bench)
    for row in bench['rows']:
        line = cells(block, row['name'])
        n_logs = sum(1 for (r, _) in logs if r == row['name'])
        if n_logs == 0:
            assert line[3] == f'not run (0/{len(bench["seeds"])} seeds)'
        else:
            assert line[3].endswith(f'({n_logs}/{len(bench["seeds"])} '
                                    'seeds)')


def lb_default_spec():
    return 'experiments/leaderboard/leaderboard.yml'


def test_config_dump_is_read_never_executed(tmp_path):
    marker = tmp_path / 'executed'
    text = (f'a = dict(b=[1, -2.5, (3, )], c=None)\n'
            f'd = open({str(marker)!r}, "w").write("x")\n'
            f'e = {{"k": dict(t=True)}}\n')
    values = lb.parse_config_dump(text, 'dump')
    assert values['a'] == {'b': [1, -2.5, (3, )], 'c': None}
    assert values['e'] == {'k': {'t': True}}
    assert isinstance(values['d'], Expr) and 'open(' in values['d']
    assert not marker.exists()
    with pytest.raises(DataError, match='not valid Python'):
        lb.parse_config_dump('a = dict(', 'dump')


def test_budget_options_of_the_real_spec():
    bench = lb.load_spec(lb_default_spec())['cluttered-fashion-mnist']
    rows = {r['name']: r for r in bench['rows']}
    assert lb.budget_options(bench, rows['lenetfc'])[:2] == [
        'train_cfg.max_epochs=40', 'param_scheduler.milestones=[20,32]'
    ]
    # GASA: the warm-up (iterations) kept, the cosine stretched to 40 epochs
    cfg = lb.run_config(bench, rows['gasa'], seed=3)
    assert cfg.train_cfg.max_epochs == 40 and cfg.randomness.seed == 3
    assert cfg.param_scheduler[0].end == 20
    assert cfg.param_scheduler[1].end == 40
    assert cfg.train_dataloader.dataset.indices is None
    assert cfg.train_dataloader.batch_size == 64  # each config's own batch


def write_spec(tmp_path, text):
    path = tmp_path / 'spec.yml'
    path.write_text(text)
    return str(path)


ROW = ('      - {{name: {name}, method: m, config: {config}, '
       'baseline: {baseline}, boxes: "{boxes}", group: {group}}}\n')


def spec_text(rows, extra=''):
    return ('benchmarks:\n  b:\n    epochs: 2\n    milestones: [1]\n'
            f'    seeds: [0, 1]\n{extra}    rows:\n' + ''.join(
                ROW.format(**dict(
                    dict(
                        name='a',
                        config=CFG,
                        baseline='a',
                        boxes='-',
                        group='baselines'), **r)) for r in rows))


@pytest.mark.parametrize('rows, extra, message', [
    ([{}], '    budget: 3\n', r"unknown key\(s\) \['budget'\]"),
    ([{
        'config': 'configs/nope.py'
    }], '', 'config configs/nope.py does not exist'),
    ([{}, {
        'name': 'b',
        'baseline': 'c'
    }], '', "row 'b': baseline 'c' names no row"),
    ([{}, {}], '', "two rows are named 'a'"),
    ([{
        'boxes': 'sift'
    }], '', 'boxes must be one of'),
    ([{
        'group': 'Others'
    }], '', 'group must be one of'),
    ([{}], '    options: [max_epochs 3]\n', 'options must be a list'),
])
def test_spec_validation(tmp_path, rows, extra, message):
    with pytest.raises(ConfigError, match=message) as err:
        lb.load_spec(write_spec(tmp_path, spec_text(rows, extra)))
    assert '\n' not in str(err.value)


def test_spec_milestones_and_seeds(tmp_path):
    bad = spec_text([{}]).replace('milestones: [1]', 'milestones: [2]')
    with pytest.raises(ConfigError, match='stay below epochs'):
        lb.load_spec(write_spec(tmp_path, bad))
    bad = spec_text([{}]).replace('seeds: [0, 1]', 'seeds: [0, 0]')
    with pytest.raises(ConfigError, match='repeat a seed'):
        lb.load_spec(write_spec(tmp_path, bad))


def test_missing_prerequisite_names_the_command(tmp_path, capsys):
    missing = tmp_path / 'weights.pth'
    text = spec_text([{}]).rstrip('}\n') + (
        f', options: [load_from={missing}], prepare: "make weights"}}\n')
    spec = write_spec(tmp_path, text)
    assert tool('--spec', spec, '--benchmark', 'b', '--prerequisites') == 2
    out, err = capsys.readouterr()
    assert err.strip() == (f'error: row a needs {missing} (read by {CFG}); '
                           'make it with: make weights')
    assert f'{missing}\n    missing; rows: a\n    make it with: make ' \
        'weights' in out
    missing.write_bytes(b'')
    assert tool('--spec', spec, '--benchmark', 'b', '--prerequisites') == 0


def test_prerequisites_upstream_files_and_published_runs(tmp_path, capsys):
    """``prepare`` as {file: command}: an upstream file (not read by the
    config) is listed but never named by the error, which names the read
    file; a file a row publishes counts as made when that run is selected,
    and --runs puts that run first."""
    up, read = tmp_path / 'up.pth', tmp_path / 'read.pth'
    text = spec_text([{}, {
        'name': 'b'
    }]).rstrip('}\n') + (
        f', options: [load_from={read}], prepare: {{{up}: make up, '
        f'{read}: make read}}}}\n')
    text = text.replace(
        'group: baselines}\n      - {name: b',
        f'group: baselines, publish: {{seed: 1, to: {read}}}}}\n'
        '      - {name: b')
    spec = write_spec(tmp_path, text)
    common = ('--spec', spec, '--benchmark', 'b')
    assert tool(*common, '--prerequisites', 'b') == 2
    out, err = capsys.readouterr()
    assert err.strip() == (f'error: row b needs {read} (read by {CFG}); '
                           'make it with: make read')
    assert (f'{up}\n    missing (an input of the commands below it); rows: '
            'b\n    make it with: make up') in out
    assert tool(*common, '--prerequisites') == 0  # a's seed 1 publishes it
    out = capsys.readouterr().out
    assert (f'{read}\n    pending (published by run a seed 1 of this run)'
            in out)
    assert tool(*common, '--prerequisites', '--seeds', '0') == 2
    capsys.readouterr()
    assert tool(*common, '--runs') == 0
    runs = [ln.split('\t') for ln in capsys.readouterr().out.splitlines()]
    assert [(r[0], r[1], r[5]) for r in runs] == [('a', '1', str(read)),
                                                  ('a', '0', '-'),
                                                  ('b', '0', '-'),
                                                  ('b', '1', '-')]
    read.write_bytes(b'')  # every read file there: the upstream one unneeded
    assert tool(*common, '--prerequisites', 'b') == 0
    assert 'missing, not needed' in capsys.readouterr().out


HR = 'checkpoints/lenetfc_cluttered-fashion-mnist-hr.pth'
PT = ('work_dirs/focus_longer_repro/pretrain_lenetfc_1xb128_fashion-mnist/'
      'weights.pth')
PROPOSALS = 'bash experiments/proposals/run.sh '
#: the files each row's config reads, in the order the spec makes them,
#: and the command each stops with (written here by hand)
PREPARED = dict(
    hr=[(HR, 'SEEDS=0 bash experiments/leaderboard/run.sh '
         'cluttered-fashion-mnist lenetfc')],
    pt=[(PT, 'SEEDS=0 CONFIGS=global bash experiments/focus_longer/repro.sh')],
    cs=[('work_dirs/proposals/cs_parts_test.json', PROPOSALS + 'cs-parts'),
        ('work_dirs/proposals/cs_parts_train.json', PROPOSALS + 'cs-parts')],
    rpn=[('work_dirs/proposals/rpn_cam_1500it_test.json',
          PROPOSALS + 'detector-long'),
         ('work_dirs/proposals/rpn_cam_1500it_train.json',
          PROPOSALS + 'generate-1500it')],
    cam=[('work_dirs/proposals/cam_test.json', PROPOSALS + 'cam'),
         ('work_dirs/proposals/cam_train.json', PROPOSALS + 'cam-train')])
ROW_PREPARED = {
    'lenetfc-lr28': 'hr',
    'racnn-lr28': 'hr',
    'noparts-adam': 'pt',
    'gap-gtparts-adam': 'pt',
    'fve-gtparts-adam': 'pt',
    'gap-csparts-adam': 'pt cs',
    'fve-csparts-adam': 'pt cs',
    'gap-rpn-adam': 'pt rpn',
    'fve-rpn-adam': 'pt rpn',
    'focus-longer-cam': 'cam',
    'focus-longer-csparts': 'cs',
    'focus-longer-rpn': 'rpn',
}


def fake_files(monkeypatch, present):
    """lb sees only the paths in ``present`` (a set, changed in place)."""
    import types
    fake = types.SimpleNamespace(
        **{k: getattr(osp, k)
           for k in dir(osp) if not k.startswith('_')})
    fake.exists = fake.isdir = fake.isfile = lambda p: p in present
    monkeypatch.setattr(lb, 'osp', fake)


def test_every_prerequisite_of_the_real_spec_names_its_command(monkeypatch):
    """On a fresh clone (nothing but the dataset there) each row with files
    to prepare stops on them one after the other, each naming the command
    that makes it."""
    bench = lb.load_spec(lb_default_spec())['cluttered-fashion-mnist']
    present = {'data/fashion_mnist'}
    fake_files(monkeypatch, present)
    assert {r['name'] for r in bench['rows'] if r['prepare']} == \
        set(ROW_PREPARED)
    for row in bench['rows']:
        if not row['prepare']:
            continue
        cfg = lb.run_config(bench, row)
        expected = [
            f for key in ROW_PREPARED[row['name']].split()
            for f in PREPARED[key]
        ]
        assert lb.prerequisites(bench, row,
                                cfg) == sorted(f for f, _ in expected)
        present.intersection_update({'data/fashion_mnist'})
        for path, command in expected:
            line = lb.missing_line(row,
                                   lb.row_prerequisites(bench, row, cfg=cfg))
            assert line == (f'row {row["name"]} needs {path} (read by '
                            f'{row["config"]}); make it with: {command}')
            present.add(path)
        assert lb.missing_line(row, lb.row_prerequisites(bench, row,
                                                         cfg=cfg)) is None
    present.clear()  # no dataset: named first, with its own hint
    line = lb.missing_line(bench['rows'][0],
                           lb.row_prerequisites(bench, bench['rows'][0]))
    assert line.startswith('row lenetfc needs the dataset folder '
                           'data/fashion_mnist (data_root of ')
    assert line.endswith(': Run bash tools/setup.sh, or apt-get install '
                         'dataset-fashion-mnist && python tools/'
                         'dataset_converters/prepare_fashion_mnist.py')


#: the rows of the real-data benchmarks (by hand from the configs there)
REAL_ROWS = {
    'cub': ('bu td td-uni td-rev vgg16-lr50 racnn-lr50 noparts gap-gt-parts '
            'fve-gt-parts gap-cs-parts fve-cs-parts global-vgg19 '
            'focus-longer-gtbox focus-longer-rpn gasa-no-tokens gasa'),
    'nabirds': ('bu td td-uni td-rev vgg16-lr50 racnn-lr50 noparts '
                'gap-gt-parts fve-gt-parts gap-cs-parts fve-cs-parts '
                'global-vgg19 focus-longer-gtbox focus-longer-rpn '
                'gasa-no-tokens gasa'),
    'stanford-cars': ('bu td td-uni td-rev vgg16-lr50 racnn-lr50 noparts '
                      'gap-cs-parts fve-cs-parts global-vgg19 '
                      'focus-longer-gtbox focus-longer-rpn gasa-no-tokens '
                      'gasa'),
}
DATA_ROOTS = {
    'cub': 'data/CUB_200_2011',
    'nabirds': 'data/nabirds',
    'stanford-cars': 'data/stanford_cars'
}


def test_real_data_benchmarks(monkeypatch, tmp_path, capsys):
    """CUB, NABirds and Stanford Cars: every row's config exists and names
    the benchmark's data; ``epochs: own`` adds no budget option, so a run's
    schedule is the config's own (compared with Config.fromfile for GASA,
    whose cosine an integer budget would stretch); --allow-missing renders
    every row as not run; a missing dataset is named with its hint."""
    from mmengine.config import Config
    spec = lb.load_spec(lb_default_spec())
    for name, rows in REAL_ROWS.items():
        bench = spec[name]
        assert bench['epochs'] == 'own' and bench['options'] == []
        assert [r['name'] for r in bench['rows']] == rows.split()
        for row in bench['rows']:
            assert osp.isfile(row['config'])
            assert name.replace('-', '_') in row['config'].replace('-', '_')
            assert lb.budget_options(bench, row) == row['options'] == []
        gasa = next(r for r in bench['rows'] if r['name'] == 'gasa')
        cfg, ref = lb.run_config(
            bench, gasa, seed=2), Config.fromfile(gasa['config'])
        assert cfg.randomness.seed == 2
        for key in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                    'train_dataloader'):
            assert cfg[key] == ref[key], (name, key)
        root = tmp_path / name
        assert tool('--benchmark', name, '--allow-missing', '--logs',
                    str(root), '--results', str(root)) == 0
        table = capsys.readouterr().out
        assert "each config's own schedule, seeds 0, 1, 2" in table
        for row in bench['rows']:
            assert cells(table, row['name'])[3] == 'not run (0/3 seeds)'
        fake_files(monkeypatch, set())
        line = lb.missing_line(bench['rows'][0],
                               lb.row_prerequisites(bench, bench['rows'][0]))
        monkeypatch.undo()
        assert line.startswith(f'row bu needs the dataset folder '
                               f'{DATA_ROOTS[name]} (data_root of ')
        assert line.endswith('see docs/datasets.md.')


def test_own_budget_through_runs_and_plan(tmp_path, capsys):
    """--runs gives the config's own max_epochs (bu: 50) and no options,
    --plan counts the row's runs as todo."""
    assert tool('--benchmark', 'cub', '--runs', 'bu', '--seeds', '1') == 0
    assert capsys.readouterr().out.split('\t') == [
        'bu', '1', 'configs/topdown/bu_resnet18_cub.py',
        'configs/topdown/bu_resnet18_cub.py', '50', '-', '\n'
    ]
    assert tool('--benchmark', 'cub', '--plan', str(tmp_path), 'bu') == 0
    assert capsys.readouterr().out.split('\n')[1].split() == [
        'bu', 'todo', 'todo', 'todo', 'todo', '3'
    ]


# ------------------------------------------------- run.sh: published weights
def publishing_spec(tmp_path, hr):
    """The tiny spec with row lenetfc publishing its seed-0 run to ``hr``."""
    text = open(SPEC).read().replace(
        '        group: baselines\n      - name: oracle',
        f'        group: baselines\n        publish: {{seed: 0, to: {hr}}}\n'
        '      - name: oracle', 1)
    assert f'to: {hr}' in text
    return write_spec(tmp_path, text)


def runner(tmp_path, spec, *rows):
    return subprocess.run(
        ['bash', 'experiments/leaderboard/run.sh', 'tiny', *rows],
        cwd=REPO,
        env=dict(
            os.environ,
            SPEC=spec,
            WORK=str(tmp_path / 'work'),
            SEEDS='0',
            COST='0',
            LOCK='',
            OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=300)


def test_runner_refuses_a_stale_published_file(tmp_path):
    """A file a row publishes that this run did not publish (no
    <file>.source: another WORK, budget or seed) stops the runner with one
    line before any training, also when only a row reading it is selected
    (the check covers every row and seed of the benchmark)."""
    hr = tmp_path / 'hr.pth'
    hr.write_bytes(b'stale')
    spec = publishing_spec(tmp_path, hr)
    proc = runner(tmp_path, spec, 'oracle')
    assert proc.returncode == 2, proc.stdout + proc.stderr
    src = tmp_path / 'work' / 'tiny' / 'lenetfc_seed0' / 'epoch_2.pth'
    assert proc.stderr.splitlines() == [
        f'error: {hr} was not published from {src} (no {hr}.source, or '
        'it names another run or checkpoint: a stale copy); move it away'
        ' and rerun, which publishes it again from that run'
    ]
    assert not (tmp_path / 'work').exists()  # nothing trained
    assert hr.read_bytes() == b'stale'


@pytest.mark.slow
def test_runner_publishes_with_its_source_and_accepts_it_later(runs, tmp_path):
    """The runner publishes the finished seed-0 run (tools/misc/
    publish_model.py) with <file>.source naming its checkpoint and sha256;
    a rerun accepts that file; a source naming another checkpoint, or a
    retrained checkpoint, is refused."""
    hr = tmp_path / 'hr.pth'
    spec = publishing_spec(tmp_path, hr)
    run_dir = tmp_path / 'work' / 'tiny' / 'lenetfc_seed0'
    shutil.copytree(runs / 'work' / 'lenetfc_seed0', run_dir)
    proc = runner(tmp_path, spec, 'lenetfc')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f'[skip] {run_dir} finished' in proc.stdout
    ckpt = run_dir / 'epoch_2.pth'
    digest = subprocess.run(['sha256sum', str(ckpt)],
                            capture_output=True,
                            text=True,
                            check=True).stdout.split()[0]
    assert (tmp_path / 'hr.pth.source').read_text() == \
        f'{ckpt} sha256:{digest}\n'
    import torch
    published = torch.load(hr, map_location='cpu', weights_only=True)
    original = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert published['state_dict'].keys() == original['state_dict'].keys()
    assert runner(tmp_path, spec, 'lenetfc').returncode == 0  # its own file
    ckpt.write_bytes(ckpt.read_bytes() + b'\0')  # the run's weights changed
    proc = runner(tmp_path, spec, 'lenetfc')
    assert proc.returncode == 2
    assert f'error: {hr} was not published from {ckpt}' in proc.stderr
