"""The leaderboard: every method and its baseline on one benchmark, one
budget, several seeds, with cost.

Three inputs, none of them executed:

* the **spec** (``experiments/leaderboard/leaderboard.yml``, read with
  ``yaml.safe_load``): per benchmark the budget (``epochs`` and the lr
  ``milestones``, or ``epochs: own`` = every config's own schedule), the
  seeds, ``options`` (``--cfg-options`` for every row) and the rows
  (name, method, config, baseline row, boxes source, group);
* the **training logs** of the runs, ``<logs>/<benchmark>/<row>_seed<N>.log``
  (MMEngine's text log: the config dump after ``Config:`` and the
  ``Epoch(val) [E][...]  accuracy/top1: ...`` lines). The config dump is read
  by parsing its text (:func:`parse_config_dump`: ``name = dict(...)``
  assignments of literal values), never executed, and compared with the
  spec row's config (a repository file, loaded with
  ``mmengine.Config.fromfile``) plus the budget options, field by field
  (:data:`RUN_FIELDS`): a log made from another config, budget or seed is
  refused naming the field, the value expected and the value found;
* the **cost files** ``<results>/<benchmark>/cost/<row>.json`` written by
  ``tools/analysis_tools/benchmark.py ROW_CONFIG --baseline BASE_CONFIG``
  (parameters, FLOPs, training step and inference step of the row and its
  baseline timed in one process, interleaved; see
  :mod:`mmfg.analysis.benchmark`).

Metrics: ``accuracy/top1`` and ``single-label/recall`` (mmpretrain's
``SingleLabelMetric`` with ``average='macro'``: the mean over classes of
each class's recall = the mean per-class accuracy) of the last
``Epoch(val)`` line, which must be at the budget's last epoch; and the
plateau check: the range (max - min) of ``accuracy/top1`` over the last
:data:`PLATEAU_WINDOW` validated epochs, worst seed, flagged above
:data:`PLATEAU_TOLERANCE` points (the rule of
``experiments/reproduction.md``: a run whose last 10 epochs lie within 0.5
points has plateaued).
"""
import glob
import json
import math
import os.path as osp
import re
import statistics

from mmfg.analysis.config_dump import parse_config_dump
from mmfg.utils import ConfigError, DataError

GROUPS = ('baselines', 'Top-Down', 'RACNN', 'FVE', 'Focus-Longer', 'GASA')
BOXES = ('-', 'gt', 'cam', 'cs-parts', 'rpn')
SPEC_KEYS = {'benchmarks'}
BENCHMARK_KEYS = {
    'description', 'epochs', 'milestones', 'seeds', 'options', 'rows'
}
ROW_KEYS = {
    'name', 'method', 'config', 'baseline', 'boxes', 'group', 'options',
    'milestones', 'prepare', 'publish', 'note'
}
PUBLISH_KEYS = {'seed', 'to'}
ROW_REQUIRED = ('name', 'method', 'config', 'baseline', 'boxes', 'group')
#: the config fields that define a run (dotted paths); compared between a
#: log's config dump and the spec row's config + budget options. Keys named
#: in IGNORED_KEYS inside them are not compared (where the data lies on a
#: machine does not change the run).
RUN_FIELDS = ('model', 'train_dataloader.dataset',
              'train_dataloader.batch_size', 'val_dataloader.dataset',
              'test_dataloader.dataset', 'train_cfg',
              'optim_wrapper.optimizer', 'optim_wrapper.paramwise_cfg',
              'optim_wrapper.clip_grad', 'param_scheduler', 'custom_hooks',
              'randomness.seed')
IGNORED_KEYS = ('data_root', )
METRICS = (('accuracy/top1', 'top-1 (%)'), ('single-label/recall',
                                            'mean per-class acc. (%)'))
#: the plateau check: last validated epochs looked at, and the range of
#: top-1 (points) within which a run counts as plateaued
PLATEAU_WINDOW = 10
PLATEAU_TOLERANCE = 0.5
BEGIN = '<!-- leaderboard:begin -->'
END = '<!-- leaderboard:end -->'
LOG_NAME = re.compile(r'^(?P<row>.+)_seed(?P<seed>\d+)\.log$')
_STAMP = re.compile(r'^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} - ')
_VAL = re.compile(r'Epoch\(val\) \[(\d+)\]\[\d+/\d+\]\s+(.*)$')
_PAIR = re.compile(r'(\S+): (-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)')
_OPTION = re.compile(r'^[A-Za-z_][\w.]*=\S+$')


# --------------------------------------------------------------------- spec
def _fail(where, msg):
    raise ConfigError(f'{where}: {msg}')


def load_spec(path):
    """The spec at ``path`` (YAML, ``yaml.safe_load``), validated.

    Returns:
        dict: ``{benchmark: {'epochs', 'milestones', 'seeds', 'options',
        'rows': [row dict, ...]}}``; each row has every key of
        :data:`ROW_KEYS` (``options`` a list, ``milestones`` None when not
        given, ``prepare`` None when not given).
    """
    import yaml
    if not osp.isfile(path):
        raise FileNotFoundError(f'leaderboard spec {path} does not exist')
    with open(path, encoding='utf-8') as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            where = f' (line {mark.line + 1})' if mark else ''
            raise ConfigError(f'{path} is not valid YAML{where}: '
                              f'{str(exc).splitlines()[0]}') from None
    if not isinstance(data, dict):
        _fail(path, 'the spec must be a mapping with the key benchmarks')
    unknown = set(data) - SPEC_KEYS
    if unknown:
        _fail(
            path, f'unknown key(s) {sorted(unknown)}; the spec has only '
            f'{sorted(SPEC_KEYS)}')
    benches = data.get('benchmarks')
    if not isinstance(benches, dict) or not benches:
        _fail(
            path, 'benchmarks must map each benchmark name to its '
            'budget, seeds and rows')
    return {
        name: _benchmark(f'{path}, benchmark {name}', bench)
        for name, bench in benches.items()
    }


def _int_list(where, key, value, allow_empty=False):
    if not isinstance(value, list) or (not value and not allow_empty) or \
            not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                    for v in value):
        _fail(
            where, f'{key} must be a list of non-negative integers, got '
            f'{value!r}')
    return value


def _options(where, value):
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(o, str) and _OPTION.match(o) for o in value):
        _fail(
            where, 'options must be a list of --cfg-options strings '
            'KEY=VALUE without spaces, got {value!r}')
    return list(value)


def _benchmark(where, bench):
    if not isinstance(bench, dict):
        _fail(where, 'must be a mapping')
    unknown = set(bench) - BENCHMARK_KEYS
    if unknown:
        _fail(
            where, f'unknown key(s) {sorted(unknown)}; allowed: '
            f'{sorted(BENCHMARK_KEYS)}')
    for key in ('epochs', 'seeds', 'rows'):
        if key not in bench:
            _fail(where, f'{key} is missing')
    epochs = bench['epochs']
    if epochs != 'own' and (not isinstance(epochs, int)
                            or isinstance(epochs, bool) or epochs < 1):
        _fail(
            where, f"epochs must be a positive integer or 'own' (each "
            f"config's own schedule), got {epochs!r}")
    milestones = bench.get('milestones')
    if epochs == 'own':
        if milestones is not None:
            _fail(where, "milestones go with an integer epochs, not 'own'")
    elif milestones is not None:
        _milestones(where, milestones, epochs)
    seeds = _int_list(where, 'seeds', bench['seeds'])
    if len(set(seeds)) != len(seeds):
        _fail(where, f'seeds {seeds} repeat a seed')
    rows = bench['rows']
    if not isinstance(rows, list) or not rows:
        _fail(where, 'rows must be a non-empty list')
    out_rows, names = [], set()
    for i, row in enumerate(rows):
        r = _row(f'{where}, row {i + 1}', row, epochs)
        if r['name'] in names:
            _fail(where, f'two rows are named {r["name"]!r}')
        names.add(r['name'])
        out_rows.append(r)
    for r in out_rows:
        if r['publish'] is not None and r['publish']['seed'] not in seeds:
            _fail(
                where, f'row {r["name"]!r}: publish seed '
                f'{r["publish"]["seed"]} is not among the seeds {seeds}')
        if r['baseline'] not in names:
            _fail(
                where, f'row {r["name"]!r}: baseline {r["baseline"]!r} '
                f'names no row (rows: {", ".join(sorted(names))})')
    return dict(
        epochs=epochs,
        milestones=milestones,
        seeds=seeds,
        options=_options(where, bench.get('options')),
        description=bench.get('description', ''),
        rows=out_rows)


def _milestones(where, milestones, epochs):
    _int_list(where, 'milestones', milestones)
    if sorted(set(milestones)) != milestones or milestones[-1] >= epochs:
        _fail(
            where, f'milestones {milestones} must increase and stay '
            f'below epochs ({epochs})')


def _row(where, row, epochs):
    if not isinstance(row, dict):
        _fail(where, 'must be a mapping')
    unknown = set(row) - ROW_KEYS
    if unknown:
        _fail(
            where, f'unknown key(s) {sorted(unknown)}; allowed: '
            f'{sorted(ROW_KEYS)}')
    for key in ROW_REQUIRED:
        if not isinstance(row.get(key), str) or not row[key]:
            _fail(where, f'{key} is missing (a non-empty string)')
    where = f'{where} ({row["name"]})'
    if not re.fullmatch(r'[A-Za-z0-9][\w.+-]*', row['name']):
        _fail(
            where, 'name must be letters, digits, . _ + - (it names the '
            'work dirs and logs)')
    if row['boxes'] not in BOXES:
        _fail(where, f'boxes must be one of {list(BOXES)}, got '
              f'{row["boxes"]!r}')
    if row['group'] not in GROUPS:
        _fail(where, f'group must be one of {list(GROUPS)}, got '
              f'{row["group"]!r}')
    if not osp.isfile(row['config']):
        _fail(where, f'config {row["config"]} does not exist')
    out = {k: row.get(k) for k in ROW_KEYS}
    out['options'] = _options(where, row.get('options'))
    if out['milestones'] is not None:
        if epochs == 'own':
            _fail(where, "milestones go with an integer epochs, not 'own'")
        _milestones(where, out['milestones'], epochs)
    out['prepare'] = _prepare(where, out['prepare'])
    pub = out['publish']
    if pub is not None and (not isinstance(pub, dict) or set(pub)
                            != PUBLISH_KEYS or not isinstance(pub['to'], str)
                            or not isinstance(pub['seed'], int)):
        _fail(
            where, 'publish must be a mapping {seed: N, to: PATH} (the run '
            'of seed N published to PATH with tools/misc/publish_model.py)')
    return out


def _prepare(where, value):
    """``prepare`` as ``{file: command}`` (None when not given): one
    command (a string) for every file the config reads, or a mapping from
    each file to the command that makes it, upstream files first, or a list
    of such mappings (merged in order: YAML aliases of shared parts)."""
    if value is None or (isinstance(value, str) and value):
        return value
    if isinstance(value, list) and value and all(
            isinstance(v, dict) for v in value):
        merged = {}
        for part in value:
            merged.update(part)
        value = merged
    if isinstance(value, dict) and value and all(
            isinstance(k, str) and k and isinstance(v, str) and v
            for k, v in value.items()):
        return dict(value)
    _fail(
        where, 'prepare must be one command (a string) or a mapping from '
        f'each file to the command that makes it, got {value!r}')


def get_benchmark(spec, name):
    if name not in spec:
        raise ConfigError(f'no benchmark {name!r} in the spec (benchmarks: '
                          f'{", ".join(spec)})')
    return spec[name]


def get_rows(bench, names=None):
    """The rows named in ``names`` (all when empty), in spec order."""
    if not names:
        return list(bench['rows'])
    by_name = {r['name']: r for r in bench['rows']}
    for n in names:
        if n not in by_name:
            raise ConfigError(f'no row {n!r} in this benchmark (rows: '
                              f'{", ".join(by_name)})')
    return [r for r in bench['rows'] if r['name'] in names]


# ------------------------------------------------------------------ budget
def budget_options(bench, row, cfg=None):
    """``--cfg-options`` strings that set the benchmark's budget on the
    row's config (then the benchmark's and the row's own ``options``).

    With ``epochs: own`` nothing is changed (the config's own schedule).
    Else ``train_cfg.max_epochs=E`` and, per ``param_scheduler`` entry
    (a dict or a list):

    * ``MultiStepLR`` (by epoch): ``milestones`` = the row's, else the
      benchmark's ``milestones`` (the same steps for every row, e.g. the
      Top-Down reference recipe's x0.1 at epochs 20 and 32 of 40);
    * an epoch-based scheduler whose ``end`` is the config's last epoch
      (e.g. GASA's ``CosineAnnealingLR``): ``end=E`` (the same shape
      stretched to the budget);
    * an iteration-based one (a warm-up): unchanged;
    * anything else: a ConfigError (give the row its own ``options``).
    """
    from mmengine.config import Config
    if bench['epochs'] == 'own':
        return list(bench['options']) + list(row['options'])
    if cfg is None:
        cfg = Config.fromfile(row['config'])
    epochs = bench['epochs']
    old = cfg.get('train_cfg', {}).get('max_epochs')
    opts = [f'train_cfg.max_epochs={epochs}']
    sched = cfg.get('param_scheduler')
    entries = sched if isinstance(sched, list) else [sched]
    milestones = row['milestones'] or bench['milestones']
    for i, s in enumerate(entries):
        if s is None:
            continue
        prefix = 'param_scheduler.' + (f'{i}.'
                                       if isinstance(sched, list) else '')
        by_epoch = s.get('by_epoch', True)
        if s.get('type') == 'MultiStepLR' and by_epoch:
            if milestones is None:
                _fail(
                    f'row {row["name"]}', f'{row["config"]} steps the lr '
                    '(MultiStepLR): give milestones for the benchmark or '
                    'the row')
            opts.append(
                f'{prefix}milestones=[{",".join(map(str, milestones))}]')
        elif by_epoch and s.get('end') == old and old is not None:
            opts.append(f'{prefix}end={epochs}')
        elif not by_epoch:
            continue
        else:
            _fail(
                f'row {row["name"]}', f'no budget rule for the scheduler '
                f'{s.get("type")} of {row["config"]} (it neither steps at '
                'milestones nor ends at the last epoch): give the row its '
                'own options')
    return opts + list(bench['options']) + list(row['options'])


def parse_cfg_options(options):
    """``KEY=VALUE`` strings parsed exactly as ``tools/train.py
    --cfg-options`` parses them (:class:`~mmfg.engine.config_checks.
    CfgOptionsAction`)."""
    import argparse

    from mmfg.engine.config_checks import CfgOptionsAction
    if not options:
        return {}
    p = argparse.ArgumentParser()
    p.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return p.parse_args(['--cfg-options', *options]).cfg_options


def run_config(bench, row, seed=None):
    """The config of one run of ``row`` as ``tools/train.py`` builds it:
    the repository config + the budget options (+ ``randomness.seed``),
    merged as its ``--cfg-options`` are."""
    from mmfg.engine.config_checks import load_config, merge_cfg_options
    cfg = load_config(row['config'])
    opts = budget_options(bench, row, cfg)
    if seed is not None:
        opts = [f'randomness.seed={seed}', *opts]
    merge_cfg_options(cfg, parse_cfg_options(opts))
    return cfg


def expected_config(bench, row, seed):
    """:func:`run_config` as the dict of its literal values
    (:func:`parse_config_dump` of its text, as a log's dump is read)."""
    return parse_config_dump(
        run_config(bench, row, seed).pretty_text, row['config'])


# ------------------------------------------------------------- log parsing
def read_log(path):
    """One training log: its config dumps (one per start: a resumed run's
    log holds two) and its validation rows.

    Returns:
        dict: ``configs`` (list of parsed dumps), ``vals`` (list of
        ``(epoch, {metric: value})`` in order).
    """
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
    except UnicodeDecodeError as exc:
        raise DataError(f'{path} is not a UTF-8 text log ({exc})') from None
    configs, vals, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        if _STAMP.match(line) and line.rstrip().endswith(
                '- mmengine - INFO - Config:'):
            j = i + 1
            while j < len(lines) and not _STAMP.match(lines[j]):
                j += 1
            configs.append(
                parse_config_dump('\n'.join(lines[i + 1:j]),
                                  f'{path}, line {i + 2}'))
            i = j
            continue
        m = _VAL.search(line) if _STAMP.match(line) else None
        if m:
            metrics = {k: float(v) for k, v in _PAIR.findall(m.group(2))}
            vals.append((int(m.group(1)), metrics))
        i += 1
    return dict(configs=configs, vals=vals)


def _get(d, dotted):
    cur = d
    for part in dotted.split('.'):
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


class _Missing:

    def __repr__(self):
        return '(absent)'


_MISSING = _Missing()


def _strip(value):
    if isinstance(value, dict):
        return {
            k: _strip(v)
            for k, v in value.items() if k not in IGNORED_KEYS
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(v) for v in value)
    return value


def _first_difference(a, b, path):
    """(dotted path, expected, found) of the first difference, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            d = _first_difference(
                a.get(k, _MISSING), b.get(k, _MISSING), f'{path}.{k}')
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and \
            len(a) == len(b) and type(a) is type(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f'{path}.{i}')
            if d:
                return d
        return None
    if type(a) is not type(b) and not (isinstance(a, (int, float))
                                       and isinstance(b, (int, float))):
        return (path, a, b)
    return None if a == b else (path, a, b)


def compare_run(expected, found):
    """The first :data:`RUN_FIELDS` difference between two parsed configs:
    ``(field, expected, found)`` or None."""
    for field in RUN_FIELDS:
        d = _first_difference(
            _strip(_get(expected, field)), _strip(_get(found, field)), field)
        if d:
            return d
    return None


def _short(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


# ------------------------------------------------------------- collecting
def find_logs(logs_dir, bench_name, bench):
    """``{(row, seed): log path}`` under ``<logs_dir>/<bench_name>`` (all
    ``*.log`` below it); refuses a log named for no row of the spec, a seed
    outside the spec and two logs for one row and seed."""
    root = osp.join(logs_dir, bench_name)
    names = {r['name'] for r in bench['rows']}
    found = {}
    for path in sorted(
            glob.glob(osp.join(root, '**', '*.log'), recursive=True)):
        m = LOG_NAME.match(osp.basename(path))
        if not m or m.group('row') not in names:
            raise DataError(f'{path}: the name is not <row>_seed<N>.log for '
                            f'a row of the spec ({", ".join(sorted(names))})'
                            '; remove it or add its row to the spec')
        row, seed = m.group('row'), int(m.group('seed'))
        if seed not in bench['seeds']:
            raise DataError(f'{path}: seed {seed} is outside the spec\'s '
                            f'seeds {bench["seeds"]}')
        if (row, seed) in found:
            raise DataError(f'two logs for row {row} seed {seed}: '
                            f'{found[(row, seed)]} and {path}; keep one')
        found[(row, seed)] = path
    return found


def check_log(path, bench, row, seed, expected=None):
    """The final metrics of one log, after checking that it is a finished
    run of ``row`` at the benchmark's budget with ``seed``.

    Raises:
        DataError: naming the log and the field (expected / found), or the
            last validation epoch of an unfinished run.
    """
    log = read_log(path)
    if not log['configs']:
        raise DataError(f'{path}: no config dump ("Config:") in the log; '
                        'it is not an MMEngine training log')
    if expected is None:
        expected = expected_config(bench, row, seed)
    for k, found in enumerate(log['configs']):
        d = compare_run(expected, found)
        if d:
            field, exp, got = d
            start = f' (start {k + 1} of the log)' if len(
                log['configs']) > 1 else ''
            raise DataError(
                f'{path}{start} is not a run of row {row["name"]} '
                f'({row["config"]} at this budget, seed {seed}): {field} '
                f'expected {_short(exp)}, found {_short(got)}')
    epochs = _get(expected, 'train_cfg.max_epochs')
    if not log['vals']:
        raise DataError(f'{path}: no Epoch(val) line; the run did not '
                        f'finish (max_epochs {epochs})')
    last_epoch, metrics = log['vals'][-1]
    if isinstance(epochs, int) and last_epoch < epochs:
        raise DataError(f'{path}: unfinished run, the last Epoch(val) is '
                        f'after epoch {last_epoch} of {epochs}; continue it '
                        '(experiments/leaderboard/run.sh resumes it)')
    for key, _ in METRICS:
        if key not in metrics:
            raise DataError(f'{path}: the last Epoch(val) line has no '
                            f'{key} (the configs log Accuracy and '
                            "SingleLabelMetric(average='macro'))")
    return dict(metrics, epoch=last_epoch, **plateau(log['vals']))


def plateau(vals, window=PLATEAU_WINDOW):
    """The range of ``accuracy/top1`` over the last ``window`` validated
    epochs of one run.

    Args:
        vals (list): ``(epoch, {metric: value})`` in log order (a resumed
            run may validate an epoch twice: the later line counts).

    Returns:
        dict: ``plateau`` (max - min, points) and ``plateau_epochs`` (how
        many epochs it spans: fewer than ``window`` in a shorter run).
    """
    top1 = {e: m['accuracy/top1'] for e, m in vals if 'accuracy/top1' in m}
    last = [top1[e] for e in sorted(top1)[-window:]]
    return dict(plateau=max(last) - min(last), plateau_epochs=len(last))


def read_cost(results_dir, bench_name, row, baseline_row):
    """Params, FLOPs and the training-step / inference-step ratios of
    ``row`` to its baseline from ``<results>/<bench>/cost/<row>.json``
    (``tools/analysis_tools/benchmark.py --json``), or None when absent."""
    path = osp.join(results_dir, bench_name, 'cost', f'{row["name"]}.json')
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        results = data['results']
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f'{path} is not a benchmark.py --json file '
                        f'({exc})') from None
    name = osp.splitext(osp.basename(row['config']))[0]
    base = osp.splitext(osp.basename(baseline_row['config']))[0]
    entry = next((r for r in results if r.get('config') == name), None)
    if entry is None or entry.get('baseline') != base:
        raise DataError(f'{path} does not measure {name} against the '
                        f'baseline {base}; remake it with '
                        'experiments/leaderboard/run.sh')
    ratio = entry.get('ratio_to_baseline') or {}
    return dict(
        params=entry.get('params'),
        flops=entry.get('flops'),
        train=ratio.get('train_step_s'),
        infer=ratio.get('infer_step_s'),
        device=entry.get('device'))


def collect(bench_name, bench, logs_dir, results_dir, allow_missing=False):
    """Per row: the final metrics of each seed's log (checked), and the
    cost. Without ``allow_missing`` a row or seed without a log, or a row
    without its cost file, is a DataError."""
    logs = find_logs(logs_dir, bench_name, bench)
    by_name = {r['name']: r for r in bench['rows']}
    out, missing = {}, []
    for row in bench['rows']:
        runs = {}
        for seed in bench['seeds']:
            path = logs.get((row['name'], seed))
            if path is None:
                missing.append(f'{row["name"]} seed {seed}')
                continue
            runs[seed] = check_log(path, bench, row, seed)
        cost = read_cost(results_dir, bench_name, row,
                         by_name[row['baseline']])
        if cost is None and runs:
            missing.append(f'{row["name"]} cost')
        out[row['name']] = dict(row=row, runs=runs, cost=cost)
    if missing and not allow_missing:
        raise DataError(
            f'{len(missing)} log(s)/cost file(s) missing under {logs_dir} / '
            f'{results_dir} for {bench_name}: {", ".join(missing[:8])}'
            f'{" ..." if len(missing) > 8 else ""}; run '
            f'experiments/leaderboard/run.sh {bench_name} or pass '
            '--allow-missing')
    return out


# ------------------------------------------------------------------- table
def _mean_std(values):
    if not values:
        return None, None
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def _fmt_mean_std(values, n_seeds):
    mean, std = _mean_std(values)
    if mean is None:
        return f'not run (0/{n_seeds} seeds)'
    cell = f'{mean:.2f}' + (f' ± {std:.2f}' if std is not None else '')
    return cell + f' ({len(values)}/{n_seeds} seeds)'


def _fmt_count(n, unit=''):
    if n is None:
        return '-'
    for div, suffix in ((1e9, 'G'), (1e6, 'M'), (1e3, 'k')):
        if n >= div:
            return f'{n / div:.2f}{suffix}{unit}'
    return f'{n:g}{unit}'


def _fmt_ratio(r):
    return '-' if r is None or not math.isfinite(r) else f'x{r:.2f}'


def _fmt_plateau(runs):
    """The worst seed's range; ``(last N)`` when a run validated fewer
    than :data:`PLATEAU_WINDOW` epochs; flagged above the tolerance."""
    if not runs:
        return '-'
    worst = max(runs, key=lambda r: r['plateau'])
    cell = f'{worst["plateau"]:.2f}'
    n = min(r['plateau_epochs'] for r in runs)
    if n < PLATEAU_WINDOW:
        cell += f' (last {n})'
    if worst['plateau'] > PLATEAU_TOLERANCE:
        cell += ' not plateaued'
    return cell


def leaderboard_markdown(bench_name, bench, collected):
    """The Markdown table (with a header line naming the budget)."""
    n = len(bench['seeds'])
    budget = ("each config's own schedule"
              if bench['epochs'] == 'own' else f'{bench["epochs"]} epochs')
    lines = [
        f'Benchmark **{bench_name}**, {budget}, seeds '
        f'{", ".join(map(str, bench["seeds"]))}; mean ± sample std over the '
        'finished seeds; Δ = mean top-1 minus the baseline row\'s; cost '
        'ratios to the baseline row, measured in one process; plateau = '
        f'range of top-1 over the last {PLATEAU_WINDOW} validated epochs, '
        f'worst seed (flagged above {PLATEAU_TOLERANCE} points).',
        '',
        '| group | row | boxes | top-1 (%) | mean per-class acc. (%) | '
        'Δ top-1 vs baseline | plateau | params | FLOPs | train step | '
        'inference |',
        '| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | '
        '---: |',
    ]
    means = {
        name: _mean_std([r['accuracy/top1'] for r in c['runs'].values()])[0]
        for name, c in collected.items()
    }
    for name, c in collected.items():
        row = c['row']
        runs = [c['runs'][s] for s in sorted(c['runs'])]
        top1 = _fmt_mean_std([r['accuracy/top1'] for r in runs], n)
        if not runs:
            recall = '-'
        else:
            recall = _fmt_mean_std([r['single-label/recall'] for r in runs],
                                   n).rsplit(' (', 1)[0]
        base = row['baseline']
        if base == name:
            delta = '(baseline)'
        elif means[name] is None or means[base] is None:
            delta = f'- (vs {base})'
        else:
            delta = f'{means[name] - means[base]:+.2f} (vs {base})'
        cost = c['cost'] or {}
        lines.append(f'| {row["group"]} | {name} | {row["boxes"]} | {top1} | '
                     f'{recall} | {delta} | {_fmt_plateau(runs)} | '
                     f'{_fmt_count(cost.get("params"))} | '
                     f'{_fmt_count(cost.get("flops"))} | '
                     f'{_fmt_ratio(cost.get("train"))} | '
                     f'{_fmt_ratio(cost.get("infer"))} |')
    return '\n'.join(lines)


def replace_block(text, table, where):
    """``text`` with the part between :data:`BEGIN` and :data:`END`
    replaced by ``table``."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or \
            text.index(BEGIN) > text.index(END):
        raise DataError(f'{where} must hold one {BEGIN} ... {END} block')
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f'{head}{BEGIN}\n{table}\n{END}{tail}'


def extract_block(text, where):
    replace_block(text, '', where)  # validates the markers
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip('\n')


# -------------------------------------------------------------------- plan
def run_status(work_dir, epochs):
    """``'done'`` (a validation at the last epoch in scalars.json),
    ``'partial'`` (a checkpoint to resume from) or ``'todo'``."""
    from mmfg.analysis.results import final_metrics
    if not osp.isdir(work_dir):
        return 'todo'
    last = final_metrics(work_dir, on_warning=lambda msg: None)
    if last is not None and epochs != 'own' and last.get('step') == epochs:
        return 'done'
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        return 'partial'
    return 'todo'


def _files_read(cfg):
    """Local files a config reads that are not data: every
    ``proposal_file``, ``init_cfg.checkpoint`` (not a URL) and
    ``load_from``, sorted."""
    files = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ('proposal_file', 'checkpoint') and isinstance(
                        v, str) and '://' not in v:
                    files.append(v)
                else:
                    walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk(cfg.to_dict())
    load_from = cfg.get('load_from')
    if isinstance(load_from, str) and '://' not in load_from:
        files.append(load_from)
    return sorted(set(files))


def prerequisites(bench, row, cfg=None):
    """Local files the row's run reads that are not data: every
    ``proposal_file``, ``init_cfg.checkpoint`` (not a URL) and
    ``load_from`` of :func:`run_config` (``cfg`` when given). Returns the
    sorted paths."""
    return _files_read(run_config(bench, row) if cfg is None else cfg)


def dataset_roots(cfg):
    """``[(data_root, how to get it)]`` of the train / val / test datasets of
    ``cfg`` (wrapped datasets included), in that order, without repeats.
    *How* is the dataset class's ``PREPARE_HINT`` (the text its own
    missing-data error ends with, pointing at docs/datasets.md)."""
    from mmfg.registry import DATASETS
    out = []

    def walk(node):
        if isinstance(node, dict):
            root = node.get('data_root')
            if isinstance(root, str) and isinstance(node.get('type'), str):
                cls = DATASETS.get(node['type'])
                hint = getattr(cls, 'PREPARE_HINT',
                               'See docs/datasets.md.') if cls else \
                    'See docs/datasets.md.'
                if root not in [r for r, _ in out]:
                    out.append((root, hint))
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        walk(cfg.get(loader, {}).get('dataset'))
    return out


#: states of a prerequisite, the worst first (:func:`row_prerequisites`)
STATES = ('missing', 'pending', 'unneeded', 'present')


def row_prerequisites(bench, row, pending=None, cfg=None):
    """Everything one row's run needs before it starts, in the order to
    make it: the dataset folders, then the row's ``prepare`` files
    (upstream files first, as the spec lists them), then any other file
    the config reads (:func:`prerequisites`).

    Args:
        pending (dict): ``{path: what}`` of files this invocation of the
            runner makes before the row's runs (a row's ``publish``).
        cfg (Config, optional): :func:`run_config` of the row, when the
            caller has it.

    Returns:
        list[dict]: ``path``, ``kind`` (``'dataset'``, ``'read'`` = read by
        the config, ``'upstream'`` = needed to make a read file),
        ``command`` (how to make it: the ``prepare`` command, the dataset's
        hint, or a pointer to the config's comments) and ``state``:
        ``'present'``, ``'missing'``, ``'pending'`` (in ``pending``) or
        ``'unneeded'`` (an upstream file while every file the config reads
        exists). A missing upstream file never stops a run by itself: the
        command of the read file it feeds names it.
    """
    pending = pending or {}
    cfg = run_config(bench, row) if cfg is None else cfg
    reads = _files_read(cfg)
    prepare = row['prepare']
    if isinstance(prepare, str):
        prepare = {f: prepare for f in reads}
    prepare = dict(prepare or {})
    fallback = f'see the comments of {row["config"]}'
    items = [
        dict(path=root, kind='dataset', command=hint)
        for root, hint in dataset_roots(cfg)
    ]
    items += [
        dict(path=f, kind='read' if f in reads else 'upstream', command=cmd)
        for f, cmd in prepare.items()
    ]
    items += [
        dict(path=f, kind='read', command=fallback) for f in reads
        if f not in prepare
    ]

    def state(item):
        path = item['path']
        if (osp.isdir(path)
                if item['kind'] == 'dataset' else osp.exists(path)):
            return 'present'
        if path in pending:
            return 'pending'
        return 'missing'

    for item in items:
        item['state'] = state(item)
    if all(i['state'] != 'missing' for i in items if i['kind'] == 'read'):
        for i in items:
            if i['kind'] == 'upstream' and i['state'] == 'missing':
                i['state'] = 'unneeded'
    return items


def missing_line(row, items):
    """The one line naming the first missing dataset folder or file the
    config of ``row`` reads, with the command that makes it (that command
    names its own missing inputs, the upstream files, the same way), or
    None when the row can start."""
    first = next((i for i in items
                  if i['state'] == 'missing' and i['kind'] != 'upstream'),
                 None)
    if first is None:
        return None
    if first['kind'] == 'dataset':
        return (f'row {row["name"]} needs the dataset folder {first["path"]}'
                f' (data_root of {row["config"]}): {first["command"]}')
    return (f'row {row["name"]} needs {first["path"]} (read by '
            f'{row["config"]}); make it with: {first["command"]}')
