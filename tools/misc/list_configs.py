"""Print the config grid: methods (config folders) x datasets, with the
backbones and variants of each cell, as a Markdown table.

    python tools/misc/list_configs.py [--configs configs] [--detail]

The dataset of a config is the type of its train dataset; the backbone and
variant come from the file name ``{method}_{backbone}_{dataset}[-{variant}]``.
"""
import argparse
import glob
import os.path as osp
from collections import defaultdict

from mmengine.config import Config

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


def scan(root):
    """{method: {dataset: [config stem, ...]}}"""
    grid = defaultdict(lambda: defaultdict(list))
    for path in sorted(glob.glob(osp.join(root, '*', '*.py'))):
        method = osp.basename(osp.dirname(path))
        if method == '_base_':
            continue
        cfg = Config.fromfile(path)
        ds_type = cfg.train_dataloader.dataset.type
        grid[method][DATASET_NAMES.get(ds_type, ds_type)].append(
            osp.splitext(osp.basename(path))[0])
    return grid


def cell(stems, dataset, detail):
    if not detail:
        return str(len(stems))
    backbones = sorted({s.split('_')[1] for s in stems if s.count('_') >= 2})
    variants = sorted({
        s.split('_', 2)[2][len(dataset):].lstrip('-') or 'default'
        for s in stems if s.count('_') >= 2
    })
    return f'{len(stems)}: {"/".join(backbones)} [{", ".join(variants)}]'


def to_markdown(grid, detail=False):
    datasets = sorted({d for row in grid.values() for d in row})
    lines = [
        '| method | ' + ' | '.join(datasets) + ' | total |',
        '| --- | ' + ' | '.join('---' for _ in datasets) + ' | --- |'
    ]
    for method in sorted(grid):
        row = grid[method]
        lines.append(f'| {method} | ' + ' | '.join(
            cell(row[d], d, detail) if d in row else '-'
            for d in datasets) + f' | {sum(map(len, row.values()))} |')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--configs',
        default=osp.join(
            osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
            'configs'))
    p.add_argument(
        '--detail',
        action='store_true',
        help='list backbones and variants in each cell')
    args = p.parse_args(argv)
    print(to_markdown(scan(args.configs), args.detail))


if __name__ == '__main__':
    main()
