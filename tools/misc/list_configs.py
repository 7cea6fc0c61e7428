"""Print the method x dataset grid of configs/: the five methods and the
proposals stage (rows) on the eight fine-grained datasets (columns), each
cell the number of the method's configs on that dataset, each hole with the
reason it is allowed (tools/misc/grid_holes.yml).

    python tools/misc/list_configs.py [--root configs] [--holes FILE]
                                      [--markdown | --check | --all]
                                      [--detail]

The grid views (plain text by default, ``--markdown`` for the README table)
end with ``error: ...`` and exit status 1 when a hole has no reason, a reason
is left for a filled cell, or a config's file name names another dataset
than the one it trains on; ``--check`` prints one summary line instead of
the table. ``--all`` prints every config folder x every dataset (no check).

A config counts for a row when it lives in the row's folder and its file
name starts with one of the row's prefixes (``racnn_``, ``td_``, ...;
baselines such as ``bu_`` or ``baseline_`` are listed by ``--all`` only).
Its dataset is the type of its train dataset (mmfg configs) or, for the
MMDetection configs of the proposals stage, the last ``_`` field of its
file name (``rpn_r18_fpn_1xb8-4000it_stanford-dogs-cam`` -> Stanford Dogs).
"""
import argparse
import glob
import os.path as osp
from collections import defaultdict

from mmengine.config import Config

from mmfg.utils import ConfigError, run_with_clear_errors

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_ROOT = osp.join(REPO, 'configs')
DEFAULT_HOLES = osp.join(osp.dirname(osp.abspath(__file__)), 'grid_holes.yml')

# registered dataset type -> the short name used in config file names
DATASET_NAMES = {
    'CUB': 'cub',
    'NABirds': 'nabirds',
    'StanfordDogs': 'stanford-dogs',
    'StanfordCars': 'stanford-cars',
    'Flowers102': 'flowers102',
    'FGVCAircraft': 'fgvc-aircraft',
    'INaturalist2018': 'inat2018',
    'Birdsnap': 'birdsnap',
    'Imagenette': 'imagenette',
    'CIFAR10': 'cifar10',
    'MNIST': 'mnist',
    'FashionMNIST': 'fashion-mnist',
    'ClutteredFashionMNIST': 'cluttered-fashion-mnist'
}
# short name -> the name printed in tables; the first eight are the grid
DISPLAY = {
    'cub': 'CUB',
    'nabirds': 'NABirds',
    'birdsnap': 'Birdsnap',
    'stanford-dogs': 'Stanford Dogs',
    'stanford-cars': 'Stanford Cars',
    'fgvc-aircraft': 'FGVC-Aircraft',
    'flowers102': 'Flowers-102',
    'inat2018': 'iNat2018',
    'imagenette': 'Imagenette',
    'cifar10': 'CIFAR-10',
    'mnist': 'MNIST',
    'fashion-mnist': 'Fashion-MNIST',
    'cluttered-fashion-mnist': 'Cluttered Fashion-MNIST',
}
GRID_DATASETS = tuple(DISPLAY)[:8]
# row name -> (config folder, file-name prefixes of the method's configs)
ROWS = {
    'RACNN': ('racnn', ('racnn_', )),
    'Top-Down': ('topdown', ('td_', 'td-uni_', 'td-rev_')),
    'FVE': ('fve', ('fve_', 'fve-only_')),
    'Focus-Longer': ('focus_longer', ('focus-longer_', )),
    'GASA': ('gasa', ('gasa_', )),
    'proposals (detector)': ('proposals', ('', )),
}


def name_dataset(stem):
    """The dataset short name a config file name gives in its last ``_``
    field (longest match first), or None."""
    last = stem.rsplit('_', 1)[-1]
    for short in sorted(DISPLAY, key=len, reverse=True):
        if last == short or last.startswith(short + '-'):
            return short
    return None


def config_dataset(path):
    """(dataset short name or type, where it comes from) of a config."""
    stem = osp.splitext(osp.basename(path))[0]
    cfg = Config.fromfile(path)
    try:
        dataset = cfg.train_dataloader.dataset
        ds_type = dataset.type
    except AttributeError:
        dataset, ds_type = {}, None
    if ds_type not in DATASET_NAMES and isinstance(
            dataset.get('source'), dict):
        ds_type = dataset.source.get('type')  # e.g. SRPatchDataset(source)
    if cfg.get('default_scope', 'mmfg') == 'mmfg' and ds_type:
        return DATASET_NAMES.get(ds_type, ds_type), 'config'
    # an MMDetection config (COCO json of pseudo boxes): its file name
    return name_dataset(stem) or ds_type, 'name'


def scan(root):
    """Every config under ``root/<folder>/*.py`` (``_base_`` left out):
    ``{folder: {dataset: [stem, ...]}}`` and the configs whose file name
    names another grid dataset than the one they train on."""
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'{root} is not a config folder: give --root the configs/ '
            'directory of the repository')
    table = defaultdict(lambda: defaultdict(list))
    misnamed = []
    for path in sorted(glob.glob(osp.join(root, '*', '*.py'))):
        folder = osp.basename(osp.dirname(path))
        if folder == '_base_':
            continue
        stem = osp.splitext(osp.basename(path))[0]
        dataset, source = config_dataset(path)
        named = name_dataset(stem)
        if source == 'config' and named and named != dataset:
            misnamed.append(f'{folder}/{stem}.py (trains on {dataset})')
        table[folder][dataset].append(stem)
    return table, misnamed


def load_holes(path):
    """``{row: {dataset: reason}}`` from the holes file (YAML)."""
    import yaml
    if not osp.isfile(path):
        raise FileNotFoundError(f'holes file {path} does not exist: give '
                                '--holes a YAML file of reasons')
    with open(path) as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f'{path} is not valid YAML: {exc}') from None
    bad = []
    if not isinstance(data, dict):
        raise ConfigError(f'{path} must map a row name to '
                          '{dataset: reason}, got a '
                          f'{type(data).__name__}')
    for row, cells in data.items():
        if row not in ROWS:
            bad.append(f'row {row!r} (rows: {", ".join(ROWS)})')
            continue
        for dataset, reason in (cells or {}).items():
            if dataset not in GRID_DATASETS:
                bad.append(f'{row} / {dataset!r} (datasets: '
                           f'{", ".join(GRID_DATASETS)})')
            elif not isinstance(reason, str) or not reason.strip():
                bad.append(f'{row} / {dataset}: the reason is empty')
    if bad:
        raise ConfigError(f'{path}: unknown or empty entries: '
                          f'{"; ".join(bad)}')
    return {row: dict(cells or {}) for row, cells in data.items()}


def build_grid(table, holes):
    """``{row: {dataset: [stem, ...] or reason str or None}}``: the
    configs of a filled cell, the reason of an explained hole, None for a
    hole without a reason; and the reasons left for filled cells."""
    grid, stale = {}, []
    for row, (folder, prefixes) in ROWS.items():
        grid[row] = {}
        for dataset in GRID_DATASETS:
            stems = [
                s for s in table.get(folder, {}).get(dataset, [])
                if s.startswith(prefixes)
            ]
            reason = holes.get(row, {}).get(dataset)
            if stems:
                grid[row][dataset] = stems
                if reason:
                    stale.append(f'{row} / {DISPLAY[dataset]}')
            else:
                grid[row][dataset] = reason
    return grid, stale


def others(table):
    """Per row, the datasets outside the grid its configs cover."""
    out = {}
    for row, (folder, prefixes) in ROWS.items():
        cells = table.get(folder, {})
        found = [
            d for d in DISPLAY if d not in GRID_DATASETS and any(
                s.startswith(prefixes) for s in cells.get(d, []))
        ]
        if found:
            out[row] = found
    return out


def _cells(grid):
    """Cell texts and the numbered notes of the explained holes."""
    notes, texts = [], {}
    for row, cells in grid.items():
        for dataset, value in cells.items():
            if isinstance(value, list):
                texts[row, dataset] = f'yes ({len(value)})'
            elif value:
                notes.append(f'{row} on {DISPLAY[dataset]}: {value}')
                texts[row, dataset] = f'- ({len(notes)})'
            else:
                texts[row, dataset] = 'MISSING'
    return texts, notes


def to_markdown(grid, also):
    texts, notes = _cells(grid)
    head = ['method'] + [DISPLAY[d] for d in GRID_DATASETS]
    lines = [
        '| ' + ' | '.join(head) + ' |',
        '| ' + ' | '.join('---' for _ in head) + ' |',
    ]
    for row in grid:
        cells = [row] + [texts[row, d] for d in GRID_DATASETS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    if notes:
        lines.append('`yes (N)`: N configs of the method on the dataset; '
                     '`- (n)`: no config, for the reason n below.')
        lines.append('')
        lines += [f'{i}. {note}' for i, note in enumerate(notes, 1)]
    else:
        lines.append('`yes (N)`: N configs of the method on the dataset; '
                     'no holes.')
    if also:
        lines.append('')
        listed = [
            f'{row}: {", ".join(DISPLAY[d] for d in ds)}'
            for row, ds in also.items()
        ]
        lines.append(f'Other datasets: {"; ".join(listed)}.')
    return '\n'.join(lines)


def to_text(grid, also, detail=False):
    texts, notes = _cells(grid)
    head = ['method'] + [DISPLAY[d] for d in GRID_DATASETS]
    rows = [head] + [[row] + [texts[row, d] for d in GRID_DATASETS]
                     for row in grid]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        '  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows
    ]
    if notes:
        lines.append('')
        lines.append('holes:')
        lines += [f'  ({i}) {note}' for i, note in enumerate(notes, 1)]
    if also:
        lines.append('')
        lines.append('other datasets:')
        lines += [
            f'  {row}: {", ".join(DISPLAY[d] for d in ds)}'
            for row, ds in also.items()
        ]
    if detail:
        lines.append('')
        lines.append('configs:')
        for row, cells in grid.items():
            for dataset, value in cells.items():
                if isinstance(value, list):
                    lines.append(f'  {row} / {DISPLAY[dataset]}: '
                                 f'{" ".join(value)}')
    return '\n'.join(lines)


def problems(grid, stale, misnamed):
    """One sentence per kind of problem (empty when the grid is sound)."""
    missing = [
        f'{row} / {DISPLAY[d]}' for row, cells in grid.items()
        for d, value in cells.items() if value is None
    ]
    out = []
    if missing:
        out.append(f'{len(missing)} hole(s) without a reason: '
                   f'{", ".join(missing)} (add a config, or the reason to '
                   'the holes file)')
    if stale:
        out.append(f'reasons left for filled cells: {", ".join(stale)} '
                   '(remove them from the holes file)')
    if misnamed:
        out.append('config file names that name another dataset than the '
                   f'one trained on: {", ".join(misnamed)} (rename them)')
    return out


# -- the previous full listing (every folder x every dataset) -------------
def _detail_cell(stems, dataset):
    backbones = sorted({s.split('_')[1] for s in stems if s.count('_') >= 2})
    variants = sorted({
        s.rsplit('_', 1)[-1][len(dataset):].lstrip('-') or 'default'
        for s in stems if s.count('_') >= 2
    })
    return f'{len(stems)}: {"/".join(backbones)} [{", ".join(variants)}]'


def all_markdown(table, detail=False):
    datasets = sorted({d for row in table.values() for d in row})
    lines = [
        '| folder | ' + ' | '.join(datasets) + ' | total |',
        '| --- | ' + ' | '.join('---' for _ in datasets) + ' | --- |'
    ]
    for folder in sorted(table):
        row = table[folder]
        cells = [
            '-' if d not in row else
            _detail_cell(row[d], d) if detail else str(len(row[d]))
            for d in datasets
        ]
        total = sum(map(len, row.values()))
        lines.append(f'| {folder} | {" | ".join(cells)} | {total} |')
    return '\n'.join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--root',
        '--configs',
        dest='root',
        default=DEFAULT_ROOT,
        help='the configs folder (default: the repository\'s configs/)')
    p.add_argument(
        '--holes',
        default=DEFAULT_HOLES,
        help='YAML file {row: {dataset: reason}} of the allowed holes '
        '(default: tools/misc/grid_holes.yml)')
    view = p.add_mutually_exclusive_group()
    view.add_argument(
        '--markdown',
        action='store_true',
        help='print the grid as the README\'s Markdown table')
    view.add_argument(
        '--check',
        action='store_true',
        help='print one summary line instead of the grid')
    view.add_argument(
        '--all',
        action='store_true',
        help='every config folder x every dataset (config counts; no '
        'check)')
    p.add_argument(
        '--detail',
        action='store_true',
        help='list the configs of each cell (with --all: backbones and '
        'variants)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    table, misnamed = scan(args.root)
    if args.all:
        print(all_markdown(table, args.detail))
        return
    grid, stale = build_grid(table, load_holes(args.holes))
    also = others(table)
    if args.markdown:
        print(to_markdown(grid, also))
    elif not args.check:
        print(to_text(grid, also, args.detail))
    found = problems(grid, stale, misnamed)
    if found:
        raise ConfigError('; '.join(found))
    if args.check:
        filled = sum(
            isinstance(v, list) for cells in grid.values()
            for v in cells.values())
        holes = len(grid) * len(GRID_DATASETS) - filled
        print(f'grid: {len(grid)} rows x {len(GRID_DATASETS)} datasets, '
              f'{filled} cells filled, {holes} holes (each with its '
              'reason)')


if __name__ == '__main__':
    run_with_clear_errors(main)
