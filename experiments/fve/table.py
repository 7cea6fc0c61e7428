"""Tables of the FVE Cluttered Fashion-MNIST runs (experiments/fve/README.md)
from the logs in experiments/fve/logs: the final test accuracy of every
``<config>_seed<N>.log`` (training log, last epoch's evaluation on the test
split), of every ``partonly_<config>_seed<N>.log`` (tools/test.py, part
stream alone) and the conventional-pipeline JSONs.

    python -m experiments.fve.table [--logs experiments/fve/logs]
"""
import argparse
import glob
import json
import os.path as osp
import re
from collections import defaultdict

import numpy as np

ACC = re.compile(r'Epoch\((?:val|test)\).*?accuracy/top1: ([0-9.]+)')


def last_accuracy(path):
    found = ACC.findall(open(path).read())
    return float(found[-1]) if found else None


def mean_std(values):
    v = np.asarray(values)
    if len(v) == 1:
        return f'{v[0]:.2f} (1 seed)'
    return f'{v.mean():.2f} ± {v.std(ddof=1):.2f} ({len(v)} seeds: ' + \
        ', '.join(f'{x:.2f}' for x in v) + ')'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--logs', default='experiments/fve/logs')
    args = p.parse_args(argv)
    runs = defaultdict(dict)
    for path in sorted(glob.glob(osp.join(args.logs, '*_seed*.log'))):
        m = re.match(r'(.*)_seed(\d+)\.log$', osp.basename(path))
        acc = last_accuracy(path)
        if m and acc is not None:
            runs[m.group(1)][int(m.group(2))] = acc
    print('| run | test top-1 |\n| --- | --- |')
    for name, by_seed in sorted(runs.items()):
        print(f'| {name} | {mean_std([by_seed[s] for s in sorted(by_seed)])}'
              ' |')
    for path in sorted(glob.glob(osp.join(args.logs, 'conventional_*.json'))):
        res = json.load(open(path))
        print(f'\n{osp.basename(path)}: ' +
              ', '.join(f'K={k}: {v["accuracy"]:.2f}'
                        for k, v in res['results'].items()))


if __name__ == '__main__':
    main()
