"""Training curves and iteration times from MMEngine's JSON logs (the CLI
of mmpretrain's tool).

    python tools/analysis_tools/analyze_logs.py plot_curve LOG [LOG ...] \
        [--keys loss accuracy/top1] [--out curves.png] [--title T] \
        [--legend L ...] [--window-size 12*7]
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG [LOG ...] \
        [--include-outliers]

LOG: ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (or the
``<timestamp>.json`` beside it), or a work dir (its latest run's
``scalars.json``). ``plot_curve`` draws one panel per key (training keys
over epochs, validation keys at each validation) and one line per log;
a key a log lacks is an error listing the keys it holds.
"""
import argparse
import os.path as osp
import re

from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze JSON logs (mmfg)')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot curves of log keys')
    plot.add_argument('json_logs', nargs='+', help='JSON logs or work dirs')
    plot.add_argument(
        '--keys',
        nargs='+',
        default=['loss'],
        help='keys to plot (default: loss), e.g. loss accuracy/top1 lr')
    plot.add_argument('--title', help='figure title')
    plot.add_argument(
        '--legend', nargs='+', help='one label per (log, key), log-major')
    plot.add_argument(
        '--style',
        default='whitegrid',
        help='accepted for compatibility with mmpretrain (seaborn style); '
        'unused')
    plot.add_argument(
        '--out',
        default='curves.png',
        help='image file to write (default %(default)s)')
    plot.add_argument(
        '--window-size',
        default='12*7',
        help='figure size in inches, "W*H" (default %(default)s)')
    time = sub.add_parser(
        'cal_train_time', help='average time per training iteration')
    time.add_argument('json_logs', nargs='+', help='JSON logs or work dirs')
    time.add_argument(
        '--include-outliers',
        action='store_true',
        help='keep the first iteration of every epoch in the averages')
    return parser.parse_args(argv)


def main(argv=None):
    from mmfg.analysis.log_curves import (check_keys, find_json_log,
                                          load_json_log, plot_curves,
                                          train_time)

    args = parse_args(argv)
    paths = [find_json_log(p) for p in args.json_logs]
    logs = [load_json_log(p) for p in paths]
    if args.task == 'cal_train_time':
        for path, log in zip(paths, logs):
            t = train_time(log, args.include_outliers)
            print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}')
            if 'epoch_times' in t:
                s, f = t['slowest_epoch'], t['fastest_epoch']
                print(f'slowest epoch {s}, average time is '
                      f'{t["epoch_times"][s - 1]:.4f}')
                print(f'fastest epoch {f}, average time is '
                      f'{t["epoch_times"][f - 1]:.4f}')
                print(f'time std over epochs is {t["std_over_epochs"]:.4f}')
            print(f'average iter time: {t["avg_iter_time"]:.4f} s/iter')
            print()
        return
    if not re.fullmatch(r'\d+(\.\d+)?\*\d+(\.\d+)?', args.window_size):
        raise ConfigError(f'--window-size {args.window_size}: write W*H in '
                          'inches, e.g. 12*7')
    w, h = (float(v) for v in args.window_size.split('*'))
    check_keys(logs, paths, args.keys)
    names = [_log_name(p) for p in paths]
    out = plot_curves(
        logs,
        names,
        args.keys,
        args.out,
        title=args.title,
        legend=args.legend,
        window_size=(w, h))
    print(f'save curve to: {out}')
    return out


def _log_name(path):
    """``<timestamp>`` for ``.../<timestamp>/vis_data/scalars.json``, else
    the file name without ``.json``."""
    base = osp.basename(path)
    if base == 'scalars.json':
        run = osp.basename(osp.dirname(osp.dirname(osp.abspath(path))))
        return run or base[:-5]
    return base[:-5] if base.endswith('.json') else base


if __name__ == '__main__':
    run_with_clear_errors(main)
