"""Grad-CAM localisation of (Top-Down) classifiers against thresholded
objects (Lelekas et al., "Top-Down Networks", Sec. 4.3 (b), Fig. 9).

    python tools/topdown/localization.py CONFIG CKPT [--compare CONFIG CKPT]
        [--threshold 0.2] [--cam-threshold T] [--cam-normalize mean]
        [--num-samples N]
        [--target-layer backbone.class_conv] [--num-vis 8] [--out-dir DIR]

For every test image (the first ``--num-samples`` after the config's test
pipeline) that EVERY given model classifies correctly (the paper's "for a
fair comparison"):

* Grad-CAM (``pytorch-grad-cam``, PyPI ``grad-cam``) of the true class
  (which every model predicts on the scored images) on the last
  convolutional layer (default: the TD/BU network's class
  convolution for LeNetFC / NIN, the last feature map otherwise: the final
  BN-ReLU of pre-activation ResNets, the last residual block of ResNet18;
  pick another with ``--target-layer``), normalised as the reference code
  does (``--cam-normalize mean``: minus the map's mean, resized (bilinear)
  to the image size, ReLU, divided by the maximum; ``minmax``: ReLU,
  min-max, resize, as the grad-cam package does): a coarse map for BU
  networks,
  whose last layer is at 1/4 (LeNetFC) of the input, a full-resolution one
  for TD networks;
* object mask: pixels above ``--threshold`` times the image's maximum (grey
  value; the mean over channels for colour images; meaningful for objects on
  a dark background such as MNIST / Fashion-MNIST);
* CAM mask: CAM above ``--cam-threshold`` (default: ``--threshold``);
* ``precision = |CAM & object| / |CAM|``, ``recall = |CAM & object| /
  |object|`` per image; the JSON holds their means over images (images with
  an empty CAM / object mask are left out of the precision / recall mean and
  counted), the micro averages (TP, FP, FN summed over images) and the
  mean areas of the CAM and object masks (a mask covering the whole image
  has precision = object area).

Outputs in ``--out-dir`` (default ``work_dirs/topdown_localization``):
``localization.json``, ``gradcam_grid.png`` (the first ``--num-vis`` images:
image + object outline, then each model's heatmap + CAM-mask outline) and
``gradcam/<index>.png``, one figure per shown image.

The logic lives in :mod:`mmfg.analysis.cam_localization` (CAMs:
:mod:`mmfg.visualization.cam`, scores: :mod:`mmfg.evaluation.localization`);
this is its command line.
"""
import argparse
import json
import os
import os.path as osp

from mmfg.analysis import localization_benchmark
from mmfg.utils import run_with_clear_errors
from mmfg.visualization import draw_cam_column, draw_cam_grid, to_display


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Grad-CAM precision/recall against thresholded objects')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument(
        '--compare',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG', 'CKPT'),
        help='another model (repeatable); only images every '
        'model classifies correctly are scored')
    parser.add_argument(
        '--threshold',
        type=float,
        default=0.2,
        help='object mask: pixels > threshold * image max '
        '(paper: 0.2)')
    parser.add_argument(
        '--cam-threshold',
        type=float,
        default=None,
        help='CAM mask: CAM > this (default: --threshold)')
    parser.add_argument(
        '--cam-normalize',
        choices=['mean', 'minmax'],
        default='mean',
        help='CAM normalisation: the reference code\'s mean subtraction '
        '(default) or the grad-cam package\'s min-max')
    parser.add_argument(
        '--num-samples',
        type=int,
        default=1000,
        help='use the first N test images (default '
        '%(default)s)')
    parser.add_argument(
        '--target-layer',
        default=None,
        help='dotted module name inside the classifier '
        '(default: backbone.class_conv if present, else '
        'backbone.final_norm, else the last backbone stage)')
    parser.add_argument(
        '--num-vis',
        type=int,
        default=8,
        help='images to draw (default %(default)s)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--out-dir', default='work_dirs/topdown_localization')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pairs = [(args.config, args.checkpoint)] + [tuple(p) for p in args.compare]
    out = localization_benchmark(
        pairs,
        threshold=args.threshold,
        cam_threshold=args.cam_threshold,
        num_samples=args.num_samples,
        target_layer=args.target_layer,
        batch_size=args.batch_size,
        cam_normalize=args.cam_normalize)
    result = out['result']
    os.makedirs(osp.join(args.out_dir, 'gradcam'), exist_ok=True)
    json_path = osp.join(args.out_dir, 'localization.json')
    with open(json_path, 'w') as f:
        json.dump(result, f, indent=2)
    keep, y, objs = out['indices'], out['labels'], out['objects']
    cams, cam_masks = out['cams'], out['cam_masks']
    shown = list(range(min(args.num_vis, len(keep))))
    disp = to_display(out['images'][shown], out['cfg']) if shown else []
    names = [m['name'] for m in result['models']]
    if shown:
        draw_cam_grid(
            osp.join(args.out_dir, 'gradcam_grid.png'), disp, objs, names,
            cams, cam_masks, shown, [f'#{int(keep[j])}' for j in shown])
    for j in shown:
        rows = [(n, cams[n][j], cam_masks[n][j]) for n in names]
        draw_cam_column(
            osp.join(args.out_dir, 'gradcam', f'{int(keep[j])}.png'),
            disp[j],
            objs[j],
            rows,
            title=f'test image {int(keep[j])}, class {int(y[j])}')
    print(f'wrote {json_path} and {len(shown)} figures')
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
