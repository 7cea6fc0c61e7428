"""Summarise finished runs: final validation metrics of every work dir, grouped
by name with the ``_seed<N>`` suffix removed (mean, std, runs).

    python tools/analysis_tools/collect_results.py \
        work_dirs/racnn_fashion-mnist

Reads ``<work_dir>/<timestamp>/vis_data/scalars.json`` (MMEngine's
LocalVisBackend); the last line with ``accuracy/top1`` is the final one.
Prints a Markdown table.
"""
import argparse
import sys

from mmfg.analysis.results import collect_results, results_markdown


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='folder whose sub-folders are work dirs')
    args = p.parse_args(argv)
    groups = collect_results(args.root)
    if not groups:
        sys.exit(f'error: no finished run (scalars.json with accuracy/top1) '
                 f'under {args.root}')
    print(results_markdown(groups))


if __name__ == '__main__':
    main()
