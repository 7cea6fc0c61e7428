"""Markdown tables of a Top-Down experiment (accuracy over seeds, robustness,
single-scale attacks, Grad-CAM localisation) from the files the tools
wrote, so that README numbers are copied, not retyped.

    python -m experiments.topdown.report work_dirs/topdown_fashion-mnist \
        [--epsilons 0.5 1 2] [--loss-at 1]

Under the experiment folder :func:`build_topdown_report` reads:

* ``<config>_seed<N>/`` work dirs: final test accuracy
  (:mod:`mmfg.analysis.results`);
* ``attack_seed<N>/attack.json`` (``tools/topdown/attack.py``, whole
  network) and ``attack_scale<K>_seed<N>/attack.json`` (``--scale K``);
* ``localization_seed<N>/localization.json``
  (``tools/topdown/localization.py``): the per-run mean precision / recall
  are aggregated over the runs (mean ± std over seeds, as the paper's Fig. 9
  "over four runs").
"""
import argparse
import glob
import json
import os.path as osp
import re
import statistics
import sys

from mmfg.analysis.results import collect_results, results_markdown

ATTACK_NAMES = {
    'fgm': 'FGM',
    'pgd': 'PGD',
    'deepfool': 'DeepFool',
    'gaussian': 'Gaussian noise',
    'uniform': 'uniform noise',
    'bim': 'BIM',
    'cw': 'C&W',
    'ddn': 'DDN',
    'blur': 'blur',
    'contrast': 'contrast',
    'salt-and-pepper': 'salt & pepper'
}


def _seed(path):
    m = re.search(r'seed(\d+)', path)
    return int(m.group(1)) if m else -1


def _load(path):
    with open(path) as f:
        return json.load(f)


def short_name(name):
    """'td-uni_lenetfc_fashion-mnist' -> 'TD_uni'."""
    return name.split('_')[0].upper().replace('-', '_').replace(
        'UNI', 'uni').replace('REV', 'rev')


def mean_std(vals, fmt='{:.3f}'):
    """'m ± s' over runs; runs without a value (e.g. every CAM empty: the
    tools write null) are left out and counted."""
    missing = sum(v is None for v in vals)
    vals = [v for v in vals if v is not None]
    if not vals:
        return '-'
    if missing:
        return mean_std(vals, fmt) + f' ({missing} run(s) without a value)'
    if len(vals) == 1:
        return fmt.format(vals[0])
    return (fmt.format(statistics.mean(vals)) + ' ± ' +
            fmt.format(statistics.stdev(vals)))


def attack_table(result, epsilons, loss_at):
    """One row per (attack, model) of an ``attack.json``: accuracy (%) clean
    and at each eps, and the loss in accuracy at ``loss_at``.

    Raises:
        ValueError: an epsilon the attacks were not evaluated at.
    """
    evaluated = result['epsilons']
    for e in list(epsilons) + [loss_at]:
        if e not in evaluated:
            raise ValueError(f'epsilon {e:g} was not evaluated by attack.py '
                             f'(evaluated: {evaluated})')
    head = ('| attack | model | clean | ' + ' | '.join(f'{e:g}'
                                                       for e in epsilons) +
            f' | loss at {loss_at:g} | median L2 |')
    lines = [head, '|' + ' --- |' * (head.count('|') - 1)]
    attacks = list(result['models'][0]['attacks'])
    for attack in attacks:
        for model in result['models']:
            rec = model['attacks'].get(attack)
            if rec is None:
                continue
            acc = dict(zip(evaluated, rec['accuracy']))
            clean = model['clean_accuracy']
            med = rec.get('median_l2')
            lines.append(
                f'| {ATTACK_NAMES.get(attack, attack)} | '
                f'{short_name(model["name"])} | {100 * clean:.1f} | ' +
                ' | '.join(f'{100 * acc[e]:.1f}' for e in epsilons) +
                f' | {100 * (clean - acc[loss_at]):.1f} | ' +
                (f'{med:.2f}' if med is not None else '-') + ' |')
    return '\n'.join(lines)


def transfer_table(result):
    """Paper Fig. 5 ablation stored by attack.py for TD models: accuracy (%)
    when the whole-network adversarials feed a single scale ('' if none)."""
    rows = []
    for model in result['models']:
        sst = model.get('single_scale_transfer')
        if not sst:
            continue
        factors = model.get('input_scale_factors')
        for attack, res in sst['results'].items():
            scales = sorted(k for k in res if k not in ('all', 'none'))
            rows.append((model['name'], attack, scales, res, factors))
    if not rows:
        return ''
    scales = rows[0][2]
    factors = rows[0][4] or [None] * len(scales)
    head = (
        '| model | attack | clean | ' +
        ' | '.join(f'scale {k} only' +
                   (f' (1/{factors[int(k)]})' if factors[int(k)] not in
                    (None, 1) else ' (full)' if factors[int(k)] == 1 else '')
                   for k in scales) + ' | all scales |')
    lines = [head, '|' + ' --- |' * (head.count('|') - 1)]
    for name, attack, sc, res, _ in rows:
        lines.append(f'| {short_name(name)} | '
                     f'{ATTACK_NAMES.get(attack, attack)}'
                     f' | {100 * res["none"]:.1f} | ' +
                     ' | '.join(f'{100 * res[k]:.1f}'
                                for k in sc) + f' | {100 * res["all"]:.1f} |')
    return '\n'.join(lines)


def single_scale_table(paths, epsilons):
    """``attack.py --scale K`` results (``attack.json`` paths): accuracy (%)
    of the TD model when only input scale K is attacked."""
    if not paths:
        return ''
    results = sorted(((_load(p), p) for p in paths),
                     key=lambda r: int(r[0]['scale']))
    head = ('| attacked scale | attack | clean | ' +
            ' | '.join(f'{e:g}' for e in epsilons) + ' | median L2 |')
    lines = [head, '|' + ' --- |' * (head.count('|') - 1)]
    for result, path in results:
        model = result['models'][0]
        k = int(result['scale'])
        factors = model.get('input_scale_factors') or []
        label = f'{k}' + (f' (1/{factors[k]})' if k < len(factors)
                          and factors[k] != 1 else ' (full)')
        for attack, rec in model['attacks'].items():
            acc = dict(zip(result['epsilons'], rec['accuracy']))
            med = rec.get('median_l2')
            lines.append(f'| {label} | {ATTACK_NAMES.get(attack, attack)} | '
                         f'{100 * model["clean_accuracy"]:.1f} | ' +
                         ' | '.join(f'{100 * acc[e]:.1f}'
                                    for e in epsilons) + ' | ' +
                         (f'{med:.2f}' if med is not None else '-') + ' |')
    return '\n'.join(lines)


def localization_table(paths):
    """Mean ± std over runs (``localization.json`` paths) of each run's mean
    precision / recall."""
    per_model = {}
    for path in paths:
        result = _load(path)
        for model in result['models']:
            rec = per_model.setdefault(
                model['name'],
                dict(cam=model['cam_size'], p=[], r=[], mp=[], mr=[], n=[]))
            rec['p'].append(model['precision'])
            rec['r'].append(model['recall'])
            rec['mp'].append(model['micro_precision'])
            rec['mr'].append(model['micro_recall'])
            rec['n'].append(result['num_scored'])
    if not per_model:
        return ''
    lines = [
        '| model | CAM size | precision | recall | micro precision | '
        'micro recall | runs | images scored per run |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |'
    ]
    for name, rec in per_model.items():
        cam = 'x'.join(str(s) for s in rec['cam'])
        lines.append(f'| {short_name(name)} | {cam} | {mean_std(rec["p"])} | '
                     f'{mean_std(rec["r"])} | {mean_std(rec["mp"])} | '
                     f'{mean_std(rec["mr"])} | {len(rec["p"])} | '
                     f'{", ".join(str(n) for n in rec["n"])} |')
    return '\n'.join(lines)


def build_topdown_report(root, epsilons=(0.5, 1., 2.), loss_at=1.):
    """All tables of the experiment folder ``root`` as one Markdown text.

    Raises:
        FileNotFoundError: nothing to report under ``root``.
        ValueError: an epsilon the attacks were not evaluated at.
    """
    parts = []
    groups = collect_results(root)
    if groups:
        parts.append('Test accuracy (%), final epoch:\n\n' +
                     results_markdown(groups))
    for path in sorted(
            glob.glob(osp.join(root, 'attack_seed*', 'attack.json')),
            key=_seed):
        result = _load(path)
        parts.append(f'Robustness, seed {_seed(path)}, '
                     f'{result["num_samples"]} test images, accuracy (%) at '
                     f'L2 size ({path}):\n\n' +
                     attack_table(result, epsilons, loss_at))
        transfer = transfer_table(result)
        if transfer:
            parts.append('Whole-network minimal adversarials fed to one '
                         'input scale (others clean), accuracy (%):\n\n' +
                         transfer)
    scale_paths = glob.glob(
        osp.join(root, 'attack_scale*_seed*', 'attack.json'))
    for seed in sorted({_seed(p) for p in scale_paths}):
        paths = [p for p in scale_paths if _seed(p) == seed]
        parts.append(f'Single input scale attacked (attack.py --scale K), '
                     f'seed {seed}, accuracy (%):\n\n' +
                     single_scale_table(paths, epsilons))
    loc = sorted(
        glob.glob(osp.join(root, 'localization_seed*', 'localization.json')),
        key=_seed)
    if loc:
        seeds = ', '.join(str(_seed(p)) for p in loc)
        parts.append(f'Grad-CAM localisation, seeds {seeds} (mean ± std '
                     'over runs):\n\n' + localization_table(loc))
    if not parts:
        raise FileNotFoundError(
            f'nothing to report under {root}: expected <config>_seed<N>/ '
            'work dirs, attack_seed<N>/attack.json or '
            'localization_seed<N>/localization.json')
    return '\n\n'.join(parts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='experiment folder (WORK of run.sh)')
    p.add_argument(
        '--epsilons',
        nargs='+',
        type=float,
        default=[0.5, 1, 2],
        help='L2 sizes shown in the robustness tables')
    p.add_argument(
        '--loss-at',
        type=float,
        default=1.,
        help='L2 size of the "loss in accuracy" column')
    args = p.parse_args(argv)
    try:
        print(build_topdown_report(args.root, args.epsilons, args.loss_at))
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(f'error: {exc}')


if __name__ == '__main__':
    main()
