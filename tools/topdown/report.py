"""Markdown tables of a Top-Down experiment (accuracy over seeds, robustness,
single-scale attacks, Grad-CAM localisation), from the files the tools
wrote, so that the README numbers are copied, not retyped.

    python tools/topdown/report.py work_dirs/topdown_fashion-mnist \
        [--epsilons 0.5 1 2] [--loss-at 1]

Reads, under the experiment folder:

* ``<config>_seed<N>/`` work dirs: final test accuracy
  (``tools/analysis_tools/collect_results.py``);
* ``attack_seed<N>/attack.json`` (``tools/topdown/attack.py``, whole network)
  and ``attack_scale<K>_seed<N>/attack.json`` (``--scale K``);
* ``localization_seed<N>/localization.json``
  (``tools/topdown/localization.py``): the per-run mean precision / recall
  are aggregated over the runs (mean ± std over seeds, as the paper's Fig. 9
  "over four runs").

The tables are built by :mod:`mmfg.analysis.topdown_report`.
"""
import argparse
import sys

from mmfg.analysis.topdown_report import build_topdown_report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='experiment folder (WORK of the script)')
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
