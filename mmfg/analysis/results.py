"""Final validation metrics of training runs, grouped over seeds, with
unfinished runs and damaged logs recognised.

A run is a work dir with MMEngine's ``<timestamp>/vis_data/scalars.json``
(LocalVisBackend; one JSON object a line, one folder per start, a resumed
run adds one); its last line with ``accuracy/top1`` is the final
evaluation. Work dirs named ``<name>_seed<N>`` are grouped under ``<name>``
(``tools/analysis_tools/collect_results.py`` is the command line).

Unfinished runs. A run is finished when its last validation is at the last
epoch: MMEngine's epoch-based loop always validates after the last epoch
and logs it with ``step`` = the epoch, and ``train_cfg.max_epochs`` is read
from the run's config dump (``<timestamp>/vis_data/config.py`` of the
newest start, else ``<work_dir>/*.py``), parsed as text, never executed.
A run stopped earlier (``step`` 1 of ``max_epochs=3``) is *unfinished*;
:func:`collect_results` refuses, skips or marks such runs
(``unfinished=``), never averages them with finished ones silently. A run
whose length cannot be told (no config dump, an iteration-based loop) is
kept, with a warning saying why.

Damaged logs. A ``scalars.json`` whose *last* line is cut short (a run
killed or a disk filled while it was written) loses that line only: it is
ignored with a warning naming the file and the line (the run is then
usually unfinished, see above). A bad line before the last is a
:class:`~mmfg.utils.DataError` naming the file and the line.
"""
import glob
import json
import os.path as osp
import re
import statistics
import warnings

from mmfg.analysis.config_dump import Expr, parse_config_dump
from mmfg.utils import DataError

#: (scalar key, column title)
RESULT_KEYS = (('accuracy/top1', 'top-1'), ('single-label/recall',
                                            'mean per-class'))
UNFINISHED_POLICIES = ('error', 'skip', 'mark')
#: suffix of the group name of unfinished runs with ``unfinished='mark'``
UNFINISHED_MARK = ' (unfinished)'


def _warn(on_warning, msg):
    if on_warning is None:
        warnings.warn(msg, stacklevel=3)
    else:
        on_warning(msg)


def read_scalars(path, on_warning=None):
    """The rows (dicts) of one ``scalars.json``.

    A last line that is not valid JSON (cut short) is dropped with a
    warning (``on_warning(msg)``, default :func:`warnings.warn`); a bad line
    before it raises a DataError naming the file and the line.
    """
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
    except UnicodeDecodeError as exc:
        raise DataError(f'{path} is not a UTF-8 text file ({exc}); it is '
                        'damaged: remove the run or its file') from None
    numbered = [(i, ln) for i, ln in enumerate(lines, 1) if ln.strip()]
    rows = []
    for k, (lineno, line) in enumerate(numbered):
        try:
            row = json.loads(line)
            ok = isinstance(row, dict)
        except ValueError:
            ok = False
        if ok:
            rows.append(row)
            continue
        if k == len(numbered) - 1:
            _warn(
                on_warning, f'{path}: the last line (line {lineno}) is cut '
                f'short ({line[:60]!r}...): the run was stopped while '
                'writing it (killed, or the disk was full); that line is '
                'ignored')
        else:
            raise DataError(
                f'{path}, line {lineno} is not a JSON object '
                f'({line[:60]!r}): the file is damaged; remove that line or '
                'the run')
    return rows


def _scalar_files(work_dir):
    return sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))


def final_metrics(work_dir, on_warning=None):
    """The last logged row with ``accuracy/top1`` of ``work_dir``, or
    None."""
    last = None
    for path in _scalar_files(work_dir):
        for row in read_scalars(path, on_warning):
            if 'accuracy/top1' in row:
                last = row
    return last


def config_train_cfg(path):
    """``train_cfg`` of a dumped config file as a dict, read by parsing the
    text (:func:`mmfg.analysis.config_dump.parse_config_dump`: nothing is
    executed); a value that is not a literal is None; None when the file
    cannot be read or parsed or has no dict ``train_cfg``."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        train_cfg = parse_config_dump(text, path).get('train_cfg')
    except (OSError, UnicodeDecodeError, DataError, ValueError,
            RecursionError):
        return None
    if not isinstance(train_cfg, dict):
        return None
    return {
        k: None if isinstance(v, Expr) else v
        for k, v in train_cfg.items()
    }


def _config_dump(work_dir, scalar_files):
    """The config dump of the newest start of the run, or None."""
    for path in reversed(scalar_files):
        cfg = osp.join(osp.dirname(path), 'config.py')
        if osp.isfile(cfg):
            return cfg
    dumps = sorted(glob.glob(osp.join(work_dir, '*.py')))
    return dumps[-1] if len(dumps) == 1 else None


def run_status(work_dir, metrics=None):
    """Whether the run in ``work_dir`` finished.

    Returns:
        tuple[str, str]: ``('finished' | 'unfinished' | 'unknown', how
        this is known)``.
    """
    files = _scalar_files(work_dir)
    if metrics is None:
        metrics = final_metrics(work_dir, on_warning=lambda msg: None)
    cfg_path = _config_dump(work_dir, files)
    if cfg_path is None:
        return 'unknown', (f'no config dump (<timestamp>/vis_data/config.py '
                           f'or one *.py) in {work_dir} to read max_epochs '
                           'from')
    train_cfg = config_train_cfg(cfg_path) or {}
    max_epochs = train_cfg.get('max_epochs')
    by_epoch = train_cfg.get('by_epoch', True)
    loop = str(train_cfg.get('type', ''))
    if not isinstance(max_epochs, int) or isinstance(max_epochs, bool) or \
            by_epoch is False or 'Iter' in loop:
        return 'unknown', (f'train_cfg in {cfg_path} has no integer '
                           'max_epochs (an iteration-based loop?)')
    step = None if metrics is None else metrics.get('step')
    if not isinstance(step, (int, float)) or isinstance(step, bool):
        where = files[-1] if files else work_dir
        return 'unfinished', (f'no validation epoch logged in {where}, '
                              f'train_cfg.max_epochs={max_epochs} in '
                              f'{cfg_path}')
    how = (f'the last validation in its scalars.json is after epoch '
           f'{step:g}, train_cfg.max_epochs={max_epochs} in {cfg_path}')
    if step < max_epochs:
        return 'unfinished', how
    return 'finished', how


def collect_results(root, unfinished='error', on_warning=None):
    """``{name: [final metrics of each seed's run]}`` for the work dirs
    directly under ``root``.

    Args:
        root (str): folder whose sub-folders are work dirs.
        unfinished (str): what a run that stopped before its last epoch
            (see the module docstring) gets: ``'error'`` (default: a
            DataError listing such runs and how it is known), ``'skip'``
            (left out, with a warning each) or ``'mark'`` (grouped apart,
            under ``<name> (unfinished)``, with a warning each).
        on_warning (callable, optional): called with each warning message
            (cut-short log lines, runs left out or marked, runs whose length
            cannot be told); default :func:`warnings.warn`.
    """
    if unfinished not in UNFINISHED_POLICIES:
        raise ValueError(f'unfinished must be one of '
                         f'{list(UNFINISHED_POLICIES)}, got {unfinished!r}')
    groups, stopped = {}, []
    for work_dir in sorted(glob.glob(osp.join(root, '*'))):
        if not osp.isdir(work_dir):
            continue
        metrics = final_metrics(work_dir, on_warning)
        if metrics is None:
            continue
        name = re.sub(r'_seed\d+$', '', osp.basename(work_dir))
        status, how = run_status(work_dir, metrics)
        if status == 'unknown':
            _warn(
                on_warning, f'cannot tell whether run {work_dir} finished '
                f'({how}); it is counted as finished')
        elif status == 'unfinished':
            stopped.append(f'{work_dir} ({how})')
            if unfinished == 'skip':
                _warn(
                    on_warning, f'run {work_dir} is unfinished ({how}); '
                    'it is left out')
                continue
            if unfinished == 'mark':
                _warn(
                    on_warning, f'run {work_dir} is unfinished ({how}); '
                    f'it is listed apart as {name}{UNFINISHED_MARK}')
                name += UNFINISHED_MARK
        groups.setdefault(name, []).append(metrics)
    if stopped and unfinished == 'error':
        raise DataError(
            f'{len(stopped)} run(s) under {root} did not finish: '
            f'{"; ".join(stopped)}. Their last metrics are not final results: '
            'wait for them, continue them (tools/train.py ... --resume), or '
            'pass --unfinished skip (leave them out) or --unfinished mark '
            '(list them apart)')
    return groups


def results_markdown(groups):
    """Markdown table of :func:`collect_results`: mean ± std over seeds."""
    keys = RESULT_KEYS
    lines = [
        '| run | ' + ' | '.join(k[1] for k in keys) + ' | seeds |',
        '| --- | ' + ' | '.join('---' for _ in keys) + ' | --- |'
    ]
    for name, runs in groups.items():
        cells = []
        for key, _ in keys:
            vals = [r[key] for r in runs if key in r]
            if not vals:
                cells.append('-')
            elif len(vals) == 1:
                cells.append(f'{vals[0]:.2f}')
            else:
                cells.append(f'{statistics.mean(vals):.2f} ± '
                             f'{statistics.stdev(vals):.2f}')
        lines.append(f'| {name} | ' + ' | '.join(cells) + f' | {len(runs)} |')
    return '\n'.join(lines)
