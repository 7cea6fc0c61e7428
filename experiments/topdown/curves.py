"""Validation curves and the BU - TD table of the Top-Down reference-recipe
study (``experiments/topdown/run.sh`` with ``EPOCHS=40 MILESTONES=[20,32]``)
from the published text logs, so that the README's numbers are copied, not
retyped.

    python -m experiments.topdown.curves experiments/topdown/logs/reference-40e \
        [--epochs 40] [--window 10] [--out experiments/topdown/results/reference-40e/curves]
        [--title TITLE]

Reads ``<mode>_<arch>_fashion-mnist_seed<N>.log`` (MMEngine's text log; a
resumed run's log holds every start, see ``copy_log`` in
``experiments/lib.sh``): the test top-1 after every epoch
(``Epoch(val) [E]`` lines; a later start's line for an epoch replaces an
earlier one). Per run: the final accuracy (what is reported), the best, and
the plateau check = the range (max - min) of the last ``--window`` epochs;
per mode: mean ± sample std over the finished seeds; the per-seed BU - TD
difference where both finished, and over those seeds a paired comparison
(mean difference, its 95 % confidence interval from the t distribution, the
paired t-test's two-sided p, on how many seeds TD is below BU), since the
seeds pair the runs (same seed, same data order). Runs that did not reach ``--epochs`` are
listed as unfinished and left out of the means. Writes ``OUT.md``,
``OUT.json`` and ``OUT.png`` (one panel, test top-1 against the epoch, one
line per run).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import statistics

from mmfg.analysis.leaderboard import read_log
from mmfg.utils import ConfigError, run_with_clear_errors

LOG_NAME = re.compile(r'^(?P<mode>[a-z-]+)_(?P<arch>[a-z0-9-]+)_fashion-mnist'
                      r'_seed(?P<seed>\d+)\.log$')
MODE_ORDER = ('bu', 'td', 'td-uni', 'td-rev')


def run_curve(path):
    """``{epoch: top-1}`` of one log (the last line logged for an epoch)."""
    curve = {}
    for epoch, metrics in read_log(path)['vals']:
        if 'accuracy/top1' in metrics:
            curve[epoch] = metrics['accuracy/top1']
    return dict(sorted(curve.items()))


def summarise(log_dir, epochs=40, window=10):
    """Per run and per mode summary of the logs in ``log_dir``.

    Returns:
        dict: ``runs`` (list of dicts: mode, arch, seed, log, curve, final,
        best, best_epoch, plateau_range, finished), ``modes`` ({mode: mean,
        std, n, seeds}), ``gaps`` ({seed: BU - TD} where both finished).
    """
    paths = sorted(glob.glob(osp.join(log_dir, '*.log')))
    if not paths:
        raise FileNotFoundError(f'no *.log in {log_dir}')
    runs = []
    for path in paths:
        m = LOG_NAME.match(osp.basename(path))
        if m is None:
            raise ConfigError(f'{path}: not a Top-Down run log (expected '
                              '<mode>_<arch>_fashion-mnist_seed<N>.log)')
        curve = run_curve(path)
        finished = bool(curve) and max(curve) >= epochs
        last = [
            curve[e] for e in range(epochs - window + 1, epochs + 1)
            if e in curve
        ]
        best_epoch = max(curve, key=lambda e: (curve[e], -e)) if curve else 0
        runs.append(
            dict(
                mode=m['mode'],
                arch=m['arch'],
                seed=int(m['seed']),
                log=osp.basename(path),
                curve=curve,
                final=curve.get(epochs),
                best=curve.get(best_epoch),
                best_epoch=best_epoch,
                plateau_range=(round(max(last) - min(last), 2)
                               if finished and len(last) == window else None),
                finished=finished))
    modes = {}
    for mode in sorted({r['mode']
                        for r in runs},
                       key=lambda x: (MODE_ORDER + (x, )).index(x)):
        vals = [(r['seed'], r['final']) for r in runs
                if r['mode'] == mode and r['finished']]
        if not vals:
            continue
        finals = [v for _, v in vals]
        modes[mode] = dict(
            mean=statistics.mean(finals),
            std=statistics.stdev(finals) if len(finals) > 1 else None,
            n=len(finals),
            seeds=[s for s, _ in vals])
    bu = {
        r['seed']: r['final']
        for r in runs if r['mode'] == 'bu' and r['finished']
    }
    td = {
        r['seed']: r['final']
        for r in runs if r['mode'] == 'td' and r['finished']
    }
    gaps = {s: round(bu[s] - td[s], 2) for s in sorted(set(bu) & set(td))}
    return dict(
        runs=runs,
        modes=modes,
        gaps=gaps,
        paired=paired(list(gaps.values())),
        epochs=epochs,
        window=window)


def paired(gaps):
    """The paired comparison of BU - TD over ``gaps`` (one per seed): ``n``,
    ``mean``, ``std``, ``ci95`` ([low, high] = mean -+ t(0.975, n-1) * std /
    sqrt(n)), ``t`` and ``p`` (two-sided paired t-test, H0: mean 0),
    ``td_below`` (seeds with BU - TD > 0); None below 2 seeds or with no
    spread."""
    if len(gaps) < 2 or statistics.stdev(gaps) == 0:
        return None
    from scipy import stats
    n, mean, std = len(gaps), statistics.mean(gaps), statistics.stdev(gaps)
    sem = std / n**0.5
    half = stats.t.ppf(0.975, n - 1) * sem
    t = mean / sem
    return dict(
        n=n,
        mean=mean,
        std=std,
        ci95=[mean - half, mean + half],
        t=t,
        p=float(2 * stats.t.sf(abs(t), n - 1)),
        td_below=sum(g > 0 for g in gaps))


def _pm(mean, std):
    return f'{mean:.2f}' if std is None else f'{mean:.2f} ± {std:.2f}'


def markdown(summary):
    """The per-run and per-mode tables as Markdown."""
    e, w = summary['epochs'], summary['window']
    lines = [
        f'| run | final top-1 (epoch {e}) | best (epoch) | range of epochs '
        f'{e - w + 1}-{e} |', '| --- | --- | --- | --- |'
    ]
    for r in sorted(
            summary['runs'],
            key=lambda r: ((MODE_ORDER +
                            (r['mode'], )).index(r['mode']), r['seed'])):
        if not r['finished']:
            last = max(r['curve']) if r['curve'] else 0
            lines.append(f"| {r['log'][:-4]} | unfinished (epoch {last} of "
                         f'{e}) | - | - |')
            continue
        lines.append(f"| {r['log'][:-4]} | {r['final']:.2f} | "
                     f"{r['best']:.2f} ({r['best_epoch']}) | "
                     f"{r['plateau_range']:.2f} |")
    lines += [
        '', '| mode | top-1 (= mean per-class) | seeds |',
        '| --- | --- | --- |'
    ]
    for mode, m in summary['modes'].items():
        seeds = ' '.join(str(s) for s in m['seeds'])
        lines.append(f"| {mode.upper().replace('-', '_')} | "
                     f"{_pm(m['mean'], m['std'])} | {seeds} |")
    if summary['gaps']:
        gaps = list(summary['gaps'].values())
        per_seed = ', '.join(f'seed {s}: {g:.2f}'
                             for s, g in summary['gaps'].items())
        lines += [
            '',
            f'BU - TD per seed: {per_seed}; mean '
            f'{_pm(statistics.mean(gaps), statistics.stdev(gaps) if len(gaps) > 1 else None)}'  # noqa: E501
        ]
    pr = summary.get('paired')
    if pr:
        lo, hi = pr['ci95']
        lines.append(f"\nPaired over {pr['n']} seeds: BU - TD {pr['mean']:.2f}, "
                     f'95 % CI [{lo:.2f}, {hi:.2f}], paired t = {pr["t"]:.2f} '
                     f"(df {pr['n'] - 1}), two-sided p = {pr['p']:.3f}; TD "
                     f"below BU on {pr['td_below']} of {pr['n']} seeds")
    return '\n'.join(lines) + '\n'


TITLE = 'Top-Down reference recipe, Fashion-MNIST, LeNetFC'


def plot(summary, out_png, title=TITLE):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colors = {
        'bu': 'tab:blue',
        'td': 'tab:red',
        'td-uni': 'tab:green',
        'td-rev': 'tab:purple'
    }
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for r in summary['runs']:
        xs = list(r['curve'])
        ax.plot(
            xs, [r['curve'][x] for x in xs],
            color=colors.get(r['mode'], 'black'),
            lw=1,
            alpha=0.8,
            label=f"{r['mode'].upper()} seed {r['seed']}")
    ax.set_xlabel('epoch')
    ax.set_ylabel('test top-1 (%)')
    ax.set_ylim(80, 93)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('log_dir')
    p.add_argument('--epochs', type=int, default=40)
    p.add_argument('--window', type=int, default=10)
    p.add_argument('--out', help='OUT.md / OUT.json / OUT.png prefix')
    p.add_argument('--title', default=TITLE, help='the figure title')
    args = p.parse_args(argv)
    summary = summarise(args.log_dir, args.epochs, args.window)
    text = markdown(summary)
    print(text, end='')
    if args.out:
        os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
        with open(args.out + '.md', 'w') as f:
            f.write(text)
        with open(args.out + '.json', 'w') as f:
            json.dump(summary, f, indent=1)
        plot(summary, args.out + '.png', args.title)


if __name__ == '__main__':
    run_with_clear_errors(main)
