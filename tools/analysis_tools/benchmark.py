"""Benchmark configs in one process: training step, inference, data pipeline
throughput, peak memory, parameters and FLOPs (see mmfg/analysis/benchmark.py).

    python tools/analysis_tools/benchmark.py CONFIG [CONFIG ...] \
        [--baseline CONFIG] [--device cpu|cuda] [--amp] [--batch-size N] \
        [--input-size N] [--repeat 5] [--iters 3] [--json out.json] \
        [--preprocessor-baseline REV]

With --baseline every figure is also given as a ratio to that config,
measured in the same run (timings interleaved across configs). The table's
"data/train" is the pipeline's throughput (the config's train dataloader:
workers, collate_fn) over the training step's (>= 1: the data keeps up).
"""
import argparse
import json
import os.path as osp
import sys

import torch

from mmfg.analysis.benchmark import add_ratios, format_table, run_benchmark
from mmfg.utils import register_all_modules, run_with_clear_errors
from mmfg.utils.errors import ConfigError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+', help='config files to measure')
    p.add_argument(
        '--baseline',
        help='config the others are compared to '
        '(added to the run if not among CONFIGs)')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (AmpOptimWrapper, GPU only)')
    p.add_argument(
        '--batch-size',
        type=int,
        help='override the train batch size of every config')
    p.add_argument(
        '--input-size',
        type=int,
        help='override the final resize/crop size of the pipelines')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument(
        '--repeat',
        type=int,
        default=5,
        help='timed repetitions (median and min/max reported)')
    p.add_argument(
        '--iters', type=int, default=3, help='steps per timed repetition')
    p.add_argument(
        '--data-batches',
        type=int,
        default=10,
        help='batches per data-throughput measurement')
    p.add_argument('--data-repeat', type=int, default=3)
    p.add_argument(
        '--synthetic',
        action='store_true',
        help='configs whose dataset is missing here run their '
        'pipeline on a synthetic JPEG (see --synthetic-size)')
    p.add_argument(
        '--synthetic-size',
        type=int,
        nargs=2,
        default=[500, 375],
        metavar=('W', 'H'),
        help='synthetic image size (CUB images are ~500x375)')
    p.add_argument(
        '--preprocessor-baseline',
        metavar='REV',
        help='also time the part models\' data preprocessor as the git '
        'revision REV wrote it (mmfg/models/utils/data_preprocessor.py, '
        'roi_crops.py), interleaved with the current one, and check that '
        'both give the same tensors')
    p.add_argument('--json', help='write the results to this JSON file')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    configs = list(args.configs)
    if args.baseline and args.baseline not in configs:
        configs.insert(0, args.baseline)
    for c in configs:
        if not osp.isfile(c):
            raise FileNotFoundError(f'config file {c} does not exist')
    if args.amp and not args.device.startswith('cuda'):
        raise ConfigError('--amp needs a GPU (--device cuda)')
    if args.input_size:
        args.input_size = int(args.input_size)
    register_all_modules()
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine').setLevel('WARNING')  # init_weights noise
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results = run_benchmark(configs, args, log=log)
    if args.baseline:
        add_ratios(results, osp.splitext(osp.basename(args.baseline))[0])
    machine = dict(
        device=args.device,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        cpu=_cpu_name(),
        cuda=(torch.cuda.get_device_name()
              if args.device.startswith('cuda') else None))
    print(format_table(results))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(machine=machine, results=results), f, indent=2)
        print(f'results written to {args.json}')
    return results


def _cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return None


if __name__ == '__main__':
    run_with_clear_errors(main)
