"""Summary of the Focus-Longer reproduction study
(``experiments/focus_longer/repro.sh``): per run the final test accuracy
(what mmfg reports), the best of the evaluations (what the public code
reports: VITA-Group/Focus-Longer-to-See-Better ``main.py``, commit d2cd4fe,
keeps the best test epoch, evaluated every 2 epochs) and two plateau checks:
the gain over the last third of the first learning-rate phase (accuracy at
E/3, the first decay, minus the one at 2E/9: near 0 when the phase at the
full rate has plateaued) and over the last third of training (final minus
the accuracy at 2E/3, the last decay); per config the mean and std over
seeds; the curves as a figure.

    python -m experiments.focus_longer.repro_summary \
        work_dirs/focus_longer_repro [--epochs 90] \
        [--out work_dirs/focus_longer_repro/results/summary]

Writes ``OUT.json``, ``OUT.md`` and ``OUT_curves.png`` (mean test accuracy
over seeds per config against the epoch). Runs that did not reach
``--epochs`` are listed as unfinished and left out of the means.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional

import numpy as np

from mmfg.utils import ConfigError, run_with_clear_errors

KEY = 'accuracy/top1'


def read_curve(run_dir: str) -> Dict[int, float]:
    """``{epoch: top-1}`` of every validation of a work dir (all its
    ``<timestamp>/vis_data/scalars.json``, a resumed run's later lines
    overriding earlier ones; a cut-short last line is skipped)."""
    curve = {}
    for path in sorted(
            glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if KEY in row:
                    curve[int(row['step'])] = float(row[KEY])
    return dict(sorted(curve.items()))


def run_summary(curve: Dict[int, float], epochs: int) -> dict:
    """Final / best accuracy and the plateau check of one run's curve."""
    if not curve:
        return dict(finished=False)
    last = max(curve)
    best_epoch = max(curve, key=lambda e: (curve[e], -e))
    out = dict(
        finished=last >= epochs,
        last_epoch=last,
        final=curve[last],
        best=curve[best_epoch],
        best_epoch=best_epoch)

    def at(epoch):  # the evaluation at (or just before) ``epoch``
        before = [e for e in curve if e <= epoch]
        return curve[max(before)] if before else None

    first, mid = at(epochs // 3), at(2 * epochs // 9)
    if first is not None and mid is not None and last >= epochs // 3:
        out['gain_phase1'] = first - mid
    two_thirds = at(2 * epochs // 3)
    if two_thirds is not None:
        out['gain_last_third'] = curve[last] - two_thirds
    return out


def split_name(dirname: str):
    """``<config>_seed<N>`` -> ``(config, N)``; other names -> ``None``."""
    m = re.fullmatch(r'(.+)_seed(\d+)', dirname)
    return (m.group(1), int(m.group(2))) if m else None


def summarise(root: str, epochs: int) -> dict:
    """Every ``<config>_seed<N>`` work dir under ``root``: per run and per
    config (mean, std with ddof 1, seeds) of the finished runs."""
    runs, curves = {}, {}
    for d in sorted(os.listdir(root)):
        parsed = split_name(d)
        if parsed is None or not osp.isdir(osp.join(root, d)):
            continue
        curve = read_curve(osp.join(root, d))
        runs[d] = dict(
            config=parsed[0], seed=parsed[1], **run_summary(curve, epochs))
        curves[d] = curve
    if not runs:
        raise ConfigError(f'no <config>_seed<N> work dir under {root}')
    configs: Dict[str, dict] = {}
    for d, r in runs.items():
        if not r['finished']:
            continue
        c = configs.setdefault(r['config'], dict(seeds=[], runs=[]))
        c['seeds'].append(r['seed'])
        c['runs'].append(d)
    for c in configs.values():
        for k in ('final', 'best', 'gain_phase1', 'gain_last_third'):
            v = [runs[d][k] for d in c['runs'] if k in runs[d]]
            c[k] = float(np.mean(v)) if v else None
            c[k + '_std'] = float(np.std(v, ddof=1)) if len(v) > 1 else None
    return dict(epochs=epochs, runs=runs, configs=configs, curves=curves)


def _pm(mean: Optional[float], std: Optional[float]) -> str:
    if mean is None:
        return '-'
    return f'{mean:.2f}' + ('' if std is None else f' ± {std:.2f}')


def to_markdown(summary: dict) -> str:
    lines = [
        '| config | seeds | final top-1 | best top-1 (public code) | '
        'gain E*2/9 -> E/3 (first phase) | gain E*2/3 -> E |',
        '| --- | --- | --- | --- | --- | --- |'
    ]
    for name, c in sorted(summary['configs'].items()):
        lines.append(f"| {name} | {' '.join(map(str, sorted(c['seeds'])))} "
                     f"| {_pm(c['final'], c['final_std'])} "
                     f"| {_pm(c['best'], c['best_std'])} "
                     f"| {_pm(c['gain_phase1'], c['gain_phase1_std'])} "
                     f"| {_pm(c['gain_last_third'], c['gain_last_third_std'])}"
                     ' |')
    unfinished = [d for d, r in summary['runs'].items() if not r['finished']]
    if unfinished:
        lines.append('')
        lines.append('unfinished (left out): ' + ', '.join(
            f"{d} (epoch {summary['runs'][d].get('last_epoch', 0)})"
            for d in unfinished))
    return '\n'.join(lines) + '\n'


def plot_curves(summary: dict, path: str) -> None:
    """Mean test top-1 over the finished seeds of each config per epoch."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    names = sorted(summary['configs'])
    prefix = osp.commonprefix(names) if len(names) > 1 else ''
    colors = plt.get_cmap('tab20').colors
    for i, name in enumerate(names):
        c = summary['configs'][name]
        curves: List[Dict[int,
                          float]] = [summary['curves'][d] for d in c['runs']]
        epochs = sorted(set.intersection(*(set(cv) for cv in curves)))
        mean = [np.mean([cv[e] for cv in curves]) for e in epochs]
        ax.plot(
            epochs,
            mean,
            color=colors[i % len(colors)],
            label=f'{name[len(prefix):] or name} ({len(curves)})')
    ax.set_xlabel('epoch')
    ax.set_ylabel('test top-1 (%), mean over seeds')
    if prefix:
        ax.set_title(prefix + '...', fontsize=8)
    ax.legend(fontsize=6)
    ax.grid(alpha=.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='the study folder (WORK of repro.sh)')
    p.add_argument('--epochs', type=int, default=90)
    p.add_argument('--out', help='OUT.json / OUT.md / OUT_curves.png')
    args = p.parse_args(argv)
    if not osp.isdir(args.root):
        raise ConfigError(f'{args.root} is not a folder')
    summary = summarise(args.root, args.epochs)
    md = to_markdown(summary)
    print(md, end='')
    if args.out:
        os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
        with open(args.out + '.json', 'w') as f:
            json.dump(summary, f, indent=1)
        with open(args.out + '.md', 'w') as f:
            f.write(md)
        if summary['configs']:
            plot_curves(summary, args.out + '_curves.png')


if __name__ == '__main__':
    run_with_clear_errors(main)
