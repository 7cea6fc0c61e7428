"""Classify one image with an mmfg config and checkpoint.

    python demo/image_demo.py IMG CONFIG CKPT [--patches SOURCE ARGS...]
        [--topk 5] [--out-file pred.png] [--device cpu]

Prints the ``--topk`` classes with their softmax scores, best first, one
per line: ``rank  score  label  class name``; for part/patch models also
the boxes whose crops the model saw (original image pixels). The image goes
through the config's own test pipeline (:class:`mmfg.apis.FGInferencer`);
part/patch models (Focus-Longer, FVE, RACNN's crop to the object box) need
``--patches``: where each image's boxes come from (a detector, CAM boxes or
CS-parts of a classifier, a proposal file, explicit boxes, the whole
image). ``--out-file`` writes a readable picture of the prediction.
"""
import argparse

import numpy as np

from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    from mmfg.apis import PATCHES_HELP
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument(
        '--patches', nargs='+', metavar='ARG', help=PATCHES_HELP)
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--topk',
        type=int,
        default=5,
        help='classes to print (default %(default)s)')
    parser.add_argument(
        '--out-file', help='write a picture of the prediction (PNG, JPEG)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.topk < 1:
        raise ConfigError(f'--topk must be >= 1, got {args.topk}')
    from mmfg.apis import FGInferencer, patch_source_from_args

    patches = None if args.patches is None else patch_source_from_args(
        args.patches, device=args.device)
    inferencer = FGInferencer(
        args.config,
        pretrained=args.checkpoint,
        device=args.device,
        patches=patches)
    (result, ) = inferencer(args.img, show_progress=False)
    scores = result['pred_scores']
    order = np.argsort(-scores, kind='stable')[:args.topk]
    classes = inferencer.classes
    print(f'{args.img}: top-{len(order)} of {len(scores)} classes')
    for rank, label in enumerate(order, start=1):
        name = classes[label] if classes is not None else '-'
        print(f'{rank:>2}  {scores[label]:.4f}  {label:>4}  {name}')
    boxes = result.get('patch_boxes')
    if boxes is not None:
        print(f'patch boxes (x1, y1, x2, y2, score; {len(boxes)} used):')
        for i, box in enumerate(boxes, start=1):
            print(f'{i:>2}  ' + '  '.join(f'{v:.1f}' for v in box[:4]) +
                  f'  {box[4]:.3f}')
    if args.out_file:
        from mmfg.visualization import save_prediction
        save_prediction(
            args.out_file,
            inferencer.load_image(args.img),
            scores,
            classes=classes,
            topk=args.topk,
            boxes=boxes)
        print(f'picture written to {args.out_file}')
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
