"""Final validation metrics of finished runs, grouped over seeds.

A run is a work dir with MMEngine's ``<timestamp>/vis_data/scalars.json``
(LocalVisBackend); its last line with ``accuracy/top1`` is the final
evaluation. Work dirs named ``<name>_seed<N>`` are grouped under ``<name>``.
(The same logic as ``tools/analysis_tools/collect_results.py``, which can
become a command line over this module.)
"""
import glob
import json
import os.path as osp
import re
import statistics

#: (scalar key, column title)
RESULT_KEYS = (('accuracy/top1', 'top-1'), ('single-label/recall',
                                            'mean per-class'))


def final_metrics(work_dir):
    """The last logged row with ``accuracy/top1`` of ``work_dir``, or
    None."""
    files = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    last = None
    for path in files:
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'accuracy/top1' in row:
                    last = row
    return last


def collect_results(root):
    """``{name: [final metrics of each seed's run]}`` for the work dirs
    directly under ``root``."""
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
