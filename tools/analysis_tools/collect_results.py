"""Summarise finished runs: final validation metrics of every work dir, grouped
by name with the ``_seed<N>`` suffix removed (mean, std, runs).

    python tools/analysis_tools/collect_results.py work_dirs/racnn_fashion-mnist

Reads ``<work_dir>/<timestamp>/vis_data/scalars.json`` (MMEngine's
LocalVisBackend); the last line with ``accuracy/top1`` is the final one.
Prints a Markdown table.
"""
import argparse
import glob
import json
import os.path as osp
import re
import statistics
import sys

KEYS = (('accuracy/top1', 'top-1'), ('single-label/recall',
                                    'mean per-class'))


def final_metrics(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    last = None
    for path in files:
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'accuracy/top1' in row:
                    last = row
    return last


def collect(root):
    groups = {}
    for work_dir in sorted(glob.glob(osp.join(root, '*'))):
        if not osp.isdir(work_dir):
            continue
        metrics = final_metrics(work_dir)
        if metrics is None:
            continue
        name = re.sub(r'_seed\d+$', '', osp.basename(work_dir))
        groups.setdefault(name, []).append(metrics)
    return groups


def to_markdown(groups):
    lines = ['| run | ' + ' | '.join(k[1] for k in KEYS) + ' | seeds |',
             '| --- | ' + ' | '.join('---' for _ in KEYS) + ' | --- |']
    for name, runs in groups.items():
        cells = []
        for key, _ in KEYS:
            vals = [r[key] for r in runs if key in r]
            if not vals:
                cells.append('-')
            elif len(vals) == 1:
                cells.append(f'{vals[0]:.2f}')
            else:
                cells.append(f'{statistics.mean(vals):.2f} ± '
                             f'{statistics.stdev(vals):.2f}')
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {len(runs)} |')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='folder whose sub-folders are work dirs')
    args = p.parse_args(argv)
    groups = collect(args.root)
    if not groups:
        sys.exit(f'error: no finished run (scalars.json with accuracy/top1) '
                 f'under {args.root}')
    print(to_markdown(groups))


if __name__ == '__main__':
    main()
