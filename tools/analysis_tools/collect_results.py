"""Summarise training runs: final validation metrics of every work dir,
grouped by name with the ``_seed<N>`` suffix removed (mean, std, runs).

    python tools/analysis_tools/collect_results.py \
        work_dirs/racnn_fashion-mnist [--unfinished {error,skip,mark}]

Reads ``<work_dir>/<timestamp>/vis_data/scalars.json`` (MMEngine's
LocalVisBackend); the last line with ``accuracy/top1`` is the final one.
Prints a Markdown table. A run that stopped before its last epoch (its last
validation epoch below ``train_cfg.max_epochs`` of its config dump) is
refused by default (``--unfinished error``), left out (``skip``) or listed
apart as ``<name> (unfinished)`` (``mark``); a ``scalars.json`` whose last
line is cut short loses that line, with a warning. See
:mod:`mmfg.analysis.results`.
"""
import argparse
import sys

from mmfg.analysis.results import (UNFINISHED_POLICIES, collect_results,
                                   results_markdown)
from mmfg.utils import run_with_clear_errors


def warn(msg):
    print(f'warning: {msg}', file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='folder whose sub-folders are work dirs')
    p.add_argument(
        '--unfinished',
        choices=UNFINISHED_POLICIES,
        default='error',
        help='runs stopped before their last epoch: refuse (default), '
        'leave out, or list apart')
    args = p.parse_args(argv)
    groups = collect_results(
        args.root, unfinished=args.unfinished, on_warning=warn)
    if not groups:
        sys.exit('error: no run (<work_dir>/<timestamp>/vis_data/'
                 f'scalars.json with accuracy/top1) under {args.root}')
    print(results_markdown(groups))


if __name__ == '__main__':
    run_with_clear_errors(main)
