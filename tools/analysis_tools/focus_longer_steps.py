"""Focus-Longer per-step accuracies (the paper's Table 3), the evaluation-time
swap of attention for summation over steps 1..k (Table 5) and the three
evaluation protocols, all from ONE trained model and one pass over the test
set (see mmfg/analysis/focus_longer.py).

    python tools/analysis_tools/focus_longer_steps.py CONFIG CHECKPOINT \
        [--protocols mean first random] [--max-samples N] [--json out.json] \
        [--device cpu] [--cfg-options ...]
"""
import argparse
import json

import torch
from mmengine.config import DictAction

from mmfg.utils import register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument(
        '--protocols',
        nargs='+',
        default=['mean', 'first', 'random'],
        choices=['mean', 'first', 'random'])
    p.add_argument(
        '--max-samples', type=int, help='only the first N test samples')
    p.add_argument('--batch-size', type=int, help='test batch size')
    p.add_argument('--json', help='write the numbers to this file')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    from mmengine.runner import Runner

    from mmfg.analysis.focus_longer import (attention_profile,
                                            collect_step_states, format_report,
                                            model_accuracy, step_report)
    from mmfg.apis.model import init_model
    model = init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    loader_cfg = model.cfg.test_dataloader.copy()
    if args.batch_size:
        loader_cfg.batch_size = args.batch_size
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg)
    collected = collect_step_states(model, loader, args.max_samples)
    rows = step_report(model, collected, tuple(args.protocols))
    own = model_accuracy(collected)
    profile = attention_profile(model, collected)
    print(f'{len(collected["labels"])} test samples, '
          f'{model.local_neck.num_steps} steps')
    print(format_report(rows, args.protocols, own, profile))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    config=args.config,
                    checkpoint=args.checkpoint,
                    num_samples=len(collected['labels']),
                    model_accuracy=own,
                    attention_profile=[float(w) for w in profile],
                    variants=[dict(name=n, **r) for n, r in rows]),
                f,
                indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
