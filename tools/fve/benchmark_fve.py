"""Shares of the GMM update and of the Fisher-vector encoding in one
training iteration of an FVE config (FVE paper Table 3), measured
separately in one run (mmfg/analysis/fisher_vector_timing.py).

    python tools/fve/benchmark_fve.py CONFIG [--device cpu] [--iters 20] \
        [--batch-size N] [--synthetic] [--json out.json]
"""
import argparse
import json

import torch

from mmfg.utils import register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--batch-size', type=int)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument(
        '--synthetic',
        action='store_true',
        help='a synthetic JPEG with parts/proposals when the dataset is '
        'not on this machine')
    p.add_argument('--input-size', type=int)
    p.add_argument('--json', help='write the numbers to this file')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    from mmfg.analysis.fisher_vector_timing import fve_timing
    result = fve_timing(
        args.config,
        device=args.device,
        batch_size=args.batch_size,
        iters=args.iters,
        warmup=args.warmup,
        synthetic=args.synthetic,
        input_size=args.input_size)
    result['torch_threads'] = torch.get_num_threads()
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
