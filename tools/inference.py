"""Classify every image of a folder with an mmfg config and checkpoint.

    python tools/inference.py CONFIG CHECKPOINT IMG_DIR --out preds.csv
        [--topk 5] [--batch-size 16] [--device cpu] [--recursive]
        [--patches SOURCE ...] [--cam-dir DIR [--cam-method gradcam]
        [--cam-layer NAME]] [--show-dir DIR] [--strict]

Writes one row per image (sorted by path) to ``--out``: CSV or JSON by its
extension, with the predicted class and score, the top-k classes and
scores, the width/height of the image and, for part/patch models, the boxes
whose crops the model saw (see :mod:`mmfg.apis.folder` for the fields). The
images go through the config's own test pipeline in batches
(:class:`mmfg.apis.FGInferencer`): decoded by the config's
``LoadImageFromFile`` when it has one, else (in-memory datasets such as
Fashion-MNIST) by :func:`mmfg.apis.image_io.read_image` (grey, alpha,
palette, CMYK, 16 bit, any size).

An image that cannot be read (empty, truncated, not an image) does not stop
the run: a ``warning:`` line names it, its row carries the reason in
``error`` and the summary counts them. ``--strict`` stops at the first one
instead. The rows are written as they come to ``OUT.partial``, renamed to
``OUT`` at the end: a run stopped early leaves the ``.partial`` file.

``--cam-dir DIR`` saves ``DIR/<image path>.png``: a Grad-CAM of the
predicted class (jet colours over the image, alpha 0.5), on the original
image when the pipeline only resizes it (else on the network input), at the
size of the ``--show-dir`` pictures (enlarged to >= 448 px, <= 1024 px).
Part/patch models: the map explains the global image, the crops held fixed.
``--show-dir DIR`` saves ``DIR/<image path>.png``: the image with the
top-k classes and the boxes used.
"""
import argparse
import os
import sys
import time

from mmfg.utils import ConfigError, DataError, run_with_clear_errors


def parse_args(argv=None):
    from mmfg.apis import PATCHES_HELP
    parser = argparse.ArgumentParser(
        description='Classify every image of a folder (mmfg)')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('img_dir', help='folder of images')
    parser.add_argument(
        '--out',
        required=True,
        help='predictions file: .csv (one row per image) or .json (a list)')
    parser.add_argument(
        '--topk',
        type=int,
        default=5,
        help='classes listed per image (default %(default)s)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=16,
        help='images per forward pass (default %(default)s)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--recursive',
        action='store_true',
        help='also classify the images of the subfolders')
    parser.add_argument(
        '--patches', nargs='+', metavar='SOURCE', help=PATCHES_HELP)
    parser.add_argument(
        '--cam-dir',
        help='save a Grad-CAM overlay of the predicted class per image here')
    parser.add_argument(
        '--cam-method',
        default='gradcam',
        help='CAM method of --cam-dir (default %(default)s; see '
        'mmfg.visualization.cam.CAM_METHODS)')
    parser.add_argument(
        '--cam-layer',
        help='dotted name of the layer the CAM weighs (default: the last '
        'convolutional feature map of the (global) backbone)')
    parser.add_argument(
        '--show-dir',
        help='save a picture of each prediction (top-k, boxes) here')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='stop at the first image that cannot be read (default: skip '
        'it with a warning and an error row)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.topk < 1:
        raise ConfigError(f'--topk must be >= 1, got {args.topk}')
    if args.batch_size < 1:
        raise ConfigError(f'--batch-size must be >= 1, got {args.batch_size}')
    from mmfg.apis import FGInferencer
    from mmfg.apis.folder import (FolderInference, check_output, list_images,
                                  open_writer, relative_name)

    check_output(args.out)
    paths = list_images(args.img_dir, recursive=args.recursive)
    kwargs = {}
    if args.patches:
        from mmfg.apis import patch_source_from_args
        kwargs['patches'] = patch_source_from_args(
            args.patches, device=args.device)
    inferencer = FGInferencer(
        args.config, pretrained=args.checkpoint, device=args.device, **kwargs)
    cam = None
    if args.cam_dir:
        from mmfg.apis.batch_cam import InferencerCAM
        cam = InferencerCAM(
            inferencer, method=args.cam_method, target_layer=args.cam_layer)
    writer = open_writer(
        args.out, with_boxes=bool(getattr(inferencer, 'needs_patches', False)))
    run = FolderInference(
        inferencer,
        paths, [relative_name(p, args.img_dir) for p in paths],
        writer,
        topk=args.topk,
        batch_size=args.batch_size,
        strict=args.strict,
        cam=cam,
        cam_dir=args.cam_dir,
        show_dir=args.show_dir)
    start = time.perf_counter()
    try:
        run.run()
    except BaseException:
        writer.abort()
        if writer.rows == 0:
            _remove(writer.partial)
        else:
            print(
                f'the predictions of {writer.rows} images so far are in '
                f'{writer.partial}',
                file=sys.stderr)
        raise
    writer.close()
    seconds = time.perf_counter() - start
    total = len(paths)
    print(f'{run.done} of {total} images classified in {seconds:.1f} s '
          f'({total / max(seconds, 1e-9):.1f} images/s) -> {args.out}')
    if run.failed:
        num = len(run.failed)
        print(
            f'{num} image{"s" if num > 1 else ""} could not be read (rows '
            f'with an error in {args.out}); first: {run.failed[0][0]}: '
            f'{run.failed[0][1]}',
            file=sys.stderr)
    if run.done == 0:
        raise DataError(f'none of the {total} images of {args.img_dir} '
                        f'could be classified; first: {run.failed[0][0]}: '
                        f'{run.failed[0][1]}')
    return args.out


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


if __name__ == '__main__':
    run_with_clear_errors(main)
