"""Classify one image with an mmfg config and checkpoint.

    python demo/image_demo.py IMG CONFIG CKPT [--device cpu] [--topk 5]

Prints the ``--topk`` classes with their softmax scores, best first, one
per line: ``rank  score  label  class name``. The image goes through the
config's own test pipeline (:class:`mmfg.apis.FGInferencer`).
"""
import argparse

import numpy as np

from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--topk',
        type=int,
        default=5,
        help='classes to print (default %(default)s)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.topk < 1:
        raise ConfigError(f'--topk must be >= 1, got {args.topk}')
    from mmfg.apis import FGInferencer

    inferencer = FGInferencer(
        args.config, pretrained=args.checkpoint, device=args.device)
    (result, ) = inferencer(args.img, show_progress=False)
    scores = result['pred_scores']
    order = np.argsort(-scores, kind='stable')[:args.topk]
    classes = inferencer.classes
    print(f'{args.img}: top-{len(order)} of {len(scores)} classes')
    for rank, label in enumerate(order, start=1):
        name = classes[label] if classes is not None else '-'
        print(f'{rank:>2}  {scores[label]:.4f}  {label:>4}  {name}')
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
