"""Accuracy of a trained RACNN with its SR residual as trained, replaced by
its mean, and removed, plus the residual's size and input-dependent share
(:func:`experiments.racnn.sr_residual.sr_residual_study`).

    python -m experiments.racnn.sr_ablation CONFIG CHECKPOINT [--out FILE]
"""
import argparse
import json

from mmengine.runner import Runner

from mmfg.apis import init_model
from mmfg.utils import run_with_clear_errors
from .sr_residual import sr_residual_study


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', help='write the result as JSON here')
    p.add_argument('--max-images', type=int, default=None)
    args = p.parse_args(argv)
    model = init_model(args.config, args.checkpoint)
    loader = Runner.build_dataloader(model.cfg.test_dataloader)
    res = sr_residual_study(model, loader, max_images=args.max_images)
    res.update(config=args.config, checkpoint=args.checkpoint)
    print(json.dumps(res, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
