"""Training curves and iteration times from MMEngine's JSON logs
(``tools/analysis_tools/analyze_logs.py``).

MMEngine's ``LocalVisBackend`` writes one JSON object per line to
``WORK_DIR/<timestamp>/vis_data/scalars.json`` (and the ``LoggerHook`` the
same lines to ``<timestamp>.json`` beside it): training lines carry
``lr``, ``loss`` (and the other losses), ``time``, ``data_time``,
``epoch``, ``iter`` and ``step`` (the global iteration); validation lines
the metrics (``accuracy/top1``, ...) with ``step`` = the epoch (epoch-based
loops) or the iteration. As mmpretrain's ``load_json_log``, a line with
``lr`` is a training line, any other a validation line.
"""
import json
import os
import os.path as osp
from itertools import groupby

import numpy as np

from mmfg.utils.errors import ConfigError, DataError

#: bookkeeping fields of a line, not curves
INDEX_KEYS = ('step', 'epoch', 'iter')


def find_json_log(path):
    """``path`` itself when it is a file; for a work dir (or one run's
    ``<timestamp>`` folder) the ``vis_data/scalars.json`` of its latest
    run.

    Raises:
        FileNotFoundError: no such file, or a folder without a JSON log.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'log {path} does not exist')
    found = []
    for root, _, files in os.walk(path):
        if osp.basename(root) == 'vis_data' and 'scalars.json' in files:
            found.append(osp.join(root, 'scalars.json'))
    if not found:
        raise FileNotFoundError(
            f'{path} is a folder without a JSON log (no */vis_data/'
            'scalars.json); give WORK_DIR/<timestamp>/vis_data/scalars.json')
    return max(found, key=lambda p: (osp.getmtime(p), p))


def load_json_log(path):
    """Read one JSON log.

    Returns:
        dict: ``train`` and ``val``, lists of the lines (dicts) in order.

    Raises:
        DataError: a line that is not a JSON object (naming the file and
            line), or a file with no line at all.
    """
    log = dict(train=[], val=[])
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        raise DataError(
            f'{path} is not a JSON log (not UTF-8 text); give '
            'the scalars.json or <timestamp>.json that MMEngine '
            'writes under WORK_DIR/<timestamp>/vis_data/') from None
    for num, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f'{path} line {num} is not JSON ({exc.msg}): {line[:60]!r}; '
                'give the scalars.json or <timestamp>.json that MMEngine '
                'writes under WORK_DIR/<timestamp>/vis_data/ (not the .log '
                'text file)') from None
        if not isinstance(entry, dict):
            raise DataError(f'{path} line {num} is JSON but not an object '
                            '({key: value}) as MMEngine writes')
        log['train' if 'lr' in entry else 'val'].append(entry)
    if not log['train'] and not log['val']:
        raise DataError(f'{path} holds no log line (empty file)')
    return log


def log_keys(log):
    """``(train keys, val keys)``: the curves a log holds, sorted."""

    def keys(lines):
        out = set()
        for line in lines:
            out.update(k for k, v in line.items()
                       if k not in INDEX_KEYS and isinstance(v, (int, float)))
        return sorted(out)

    return keys(log['train']), keys(log['val'])


def check_keys(logs, names, keys):
    """Every key is in every log, else a :class:`ConfigError` listing the
    keys the log holds."""
    for log, name in zip(logs, names):
        train, val = log_keys(log)
        for key in keys:
            if key not in train and key not in val:
                raise ConfigError(
                    f'--keys {key}: not in {name}; it holds training keys '
                    f'{", ".join(train) or "(none)"} and validation keys '
                    f'{", ".join(val) or "(none)"}')


def curve(log, key):
    """``(x, y, xlabel)`` of ``key``: a training key over (fractional)
    epochs for epoch-based runs (step / iterations per epoch) else over
    iterations; a validation key over its ``step`` (the epoch of an
    epoch-based run)."""
    train, _ = log_keys(log)
    if key in train:
        lines = [ln for ln in log['train'] if key in ln]
        xs = np.array([ln['step'] for ln in lines], dtype=float)
        ys = np.array([ln[key] for ln in lines], dtype=float)
        last = log['train'][-1]
        if 'epoch' in last and last.get('epoch'):
            per_epoch = last['step'] / last['epoch']
            return xs / per_epoch, ys, 'epoch'
        return xs, ys, 'iteration'
    lines = [ln for ln in log['val'] if key in ln]
    xs = np.array([ln['step'] for ln in lines], dtype=float)
    ys = np.array([ln[key] for ln in lines], dtype=float)
    epoch_based = bool(log['train']) and 'epoch' in log['train'][-1]
    return xs, ys, 'epoch' if epoch_based or not log['train'] else 'iteration'


def plot_curves(logs,
                names,
                keys,
                out,
                title=None,
                legend=None,
                window_size=(12, 7)):
    """One panel per key, one line per log, saved as an image.

    Args:
        logs (list[dict]): :func:`load_json_log` results.
        names (list[str]): a name per log (the legend's default prefix).
        keys (list[str]): the curves (training or validation keys).
        out (str): image file (``.png``, ``.pdf``, ``.svg``, ...).
        title (str, optional): figure title.
        legend (list[str], optional): one label per (log, key), log-major
            (mmpretrain's order).
        window_size (tuple[float, float]): figure ``(width, height)`` in
            inches.

    Raises:
        ConfigError: a key absent from a log (the message lists the keys it
            holds) or a legend of the wrong length.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    check_keys(logs, names, keys)
    if legend is not None and len(legend) != len(logs) * len(keys):
        raise ConfigError(f'--legend: {len(legend)} labels for '
                          f'{len(logs)} log(s) x {len(keys)} key(s); give '
                          f'{len(logs) * len(keys)}')
    fig, axes = plt.subplots(
        len(keys), 1, figsize=window_size, squeeze=False, sharex=False)
    for j, key in enumerate(keys):
        ax = axes[j, 0]
        for i, (log, name) in enumerate(zip(logs, names)):
            xs, ys, xlabel = curve(log, key)
            label = legend[i * len(keys) + j] if legend else f'{name} {key}'
            marker = 'o' if len(xs) < 20 else None
            ax.plot(xs, ys, label=label, linewidth=1, marker=marker)
            ax.set_xlabel(xlabel)
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(out))
    if not osp.isdir(folder):
        plt.close(fig)
        raise FileNotFoundError(f'--out {out}: its folder {folder} does not '
                                'exist; create it first')
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def train_time(log, include_outliers=False):
    """Time per training iteration (the ``time`` field).

    Args:
        log (dict): a :func:`load_json_log` result.
        include_outliers (bool): keep each epoch's first logged iteration
            (slow: data loader start-up), as mmpretrain's option.

    Returns:
        dict: ``avg_iter_time`` (s, all logged iterations), and for
        epoch-based logs ``epoch_times`` (mean per epoch), ``slowest_epoch``
        / ``fastest_epoch`` (1-based) and ``std_over_epochs``.

    Raises:
        DataError: the log has no training line with ``time``.
    """
    lines = [ln for ln in log['train'] if 'time' in ln]
    if not lines:
        raise DataError('the log has no training iteration with a "time" '
                        '(a test-only or validation-only log?)')
    out = dict(avg_iter_time=float(np.mean([ln['time'] for ln in lines])))
    if 'epoch' in lines[0]:
        times = []
        for _, group in groupby(lines, lambda ln: ln['epoch']):
            t = [ln['time'] for ln in group]
            if not include_outliers and len(t) > 1:
                t = t[1:]
            times.append(float(np.mean(t)))
        times = np.array(times)
        out.update(
            epoch_times=times.tolist(),
            slowest_epoch=int(times.argmax()) + 1,
            fastest_epoch=int(times.argmin()) + 1,
            std_over_epochs=float(times.std()))
    return out
