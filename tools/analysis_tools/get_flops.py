"""FLOPs and parameters of a config's model, every input stream counted
(see mmfg/analysis/complexity.py).

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W | --shape S]
        [--table] [--cfg-options k=v ...]

Without --shape the config's first test image goes through its own test
pipeline and data preprocessor (the dataset must be there); with --shape a
synthetic image of that size with the config's channel count (1 for the
grey Fashion-MNIST configs), and for part/patch models its K crops of the
config's crop size. One fused multiply-add counts as one FLOP (MMEngine's
counter, as the benchmark's; fvcore's convention).
"""
import argparse

from mmfg.engine.config_checks import CfgOptionsAction
from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Count FLOPs of a model (mmfg)')
    p.add_argument('config', help='config file')
    p.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input size H W (or one S for S x S); default: the size of '
        'the config\'s first test image after its pipeline')
    p.add_argument(
        '--table', action='store_true', help='also print per-module FLOPs')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings')
    return p.parse_args(argv)


def main(argv=None):
    from mmfg.analysis.complexity import config_complexity, format_complexity
    from mmfg.engine.config_checks import (check_config_path, load_config,
                                           merge_cfg_options)
    from mmfg.utils import register_all_modules

    args = parse_args(argv)
    shape = None
    if args.shape is not None:
        if len(args.shape) not in (1, 2) or min(args.shape) < 1:
            raise ConfigError(f'--shape {" ".join(map(str, args.shape))}: '
                              'give H W (or one size S) as positive '
                              'integers')
        shape = tuple(args.shape) * (2 // len(args.shape))
    check_config_path(args.config)
    register_all_modules()
    cfg = merge_cfg_options(load_config(args.config), args.cfg_options)
    info = config_complexity(cfg, shape, show_table=args.table)
    if args.table:
        print(info['table'])
    print(format_complexity(info, args.config))
    print('One fused multiply-add counts as one FLOP (fvcore / MMEngine). '
          'Check the numbers before reporting them in papers.')
    return info


if __name__ == '__main__':
    run_with_clear_errors(main)
