"""Class activation map of one image, for any mmfg or mmpretrain
classifier config (the CLI of mmpretrain's tool, through mmfg's CAM module).

    python tools/visualization/vis_cam.py CONFIG CHECKPOINT IMG \
        [--target-layers NAME [NAME ...]] [--method gradcam] \
        [--target-category N] [--save-path cam.png] \
        [--patches SOURCE ...] [--device cpu] [--cfg-options k=v ...]

The image goes through the config's own test pipeline
(:class:`mmfg.apis.FGInferencer`); the map is computed by
:class:`mmfg.visualization.cam.ClassifierCAM` (the methods of the grad-cam
package: gradcam, gradcam++, xgradcam, eigencam, eigengradcam, layercam,
hirescam, scorecam, ablationcam; case and ``-`` ignored, so mmpretrain's
``GradCAM++`` works) at ``--target-layers`` (dotted module names, default
the last convolutional feature map of the (global) backbone; several
layers: the mean of their maps, rescaled to [0, 1], as grad-cam does) for
``--target-category`` (default the predicted class). The overlay (jet
colours, alpha 0.5) lies on the original image when the pipeline only
resizes it, else on the network input.

Part/patch models: the map explains the GLOBAL image with the crops held
fixed; their boxes come from ``--patches`` (e.g. ``whole``, ``boxes
BOXES_JSON``, ``detector DET_CFG DET_CKPT``).
"""
import argparse
import os.path as osp

from mmfg.engine.config_checks import CfgOptionsAction
from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    from mmfg.apis import PATCHES_HELP
    p = argparse.ArgumentParser(
        description='Class activation map of an image (mmfg)')
    p.add_argument('config', help='config file (mmfg or mmpretrain)')
    p.add_argument('checkpoint', help='checkpoint of that model')
    p.add_argument('img', help='image file')
    p.add_argument(
        '--target-layers',
        nargs='+',
        help='dotted module names whose output the CAM weighs (default: '
        'the last convolutional feature map of the (global) backbone)')
    p.add_argument(
        '--method',
        default='gradcam',
        help='CAM method (default %(default)s): gradcam, gradcam++, '
        'xgradcam, eigencam, eigengradcam, layercam, hirescam, scorecam, '
        'ablationcam')
    p.add_argument(
        '--target-category',
        type=int,
        help='class to explain (default: the predicted class)')
    p.add_argument(
        '--save-path',
        default='cam.png',
        help='the overlay PNG (default %(default)s)')
    p.add_argument('--patches', nargs='+', metavar='SOURCE', help=PATCHES_HELP)
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings')
    return p.parse_args(argv)


def main(argv=None):
    import cv2

    from mmfg.analysis.image_cam import image_cam
    from mmfg.apis import FGInferencer
    from mmfg.apis.batch_cam import overlay_cam
    from mmfg.visualization.prediction import display_size

    args = parse_args(argv)
    for path, what in ((args.config, 'config file'),
                       (args.checkpoint, 'checkpoint'), (args.img, 'image')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} {path} does not exist')
    if not args.save_path.lower().endswith('.png'):
        raise ConfigError(f'--save-path {args.save_path}: the overlay is '
                          'written as PNG; give a path ending with .png')
    folder = osp.dirname(osp.abspath(args.save_path))
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--save-path {args.save_path}: its folder '
                                f'{folder} does not exist; create it first')
    kwargs = {}
    if args.patches:
        from mmfg.apis import patch_source_from_args
        kwargs['patches'] = patch_source_from_args(
            args.patches, device=args.device)
    if not args.patches:
        _check_needs_no_patches(args.config, args.cfg_options)
    inferencer = FGInferencer(
        args.config,
        pretrained=args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options,
        **kwargs)
    result, cam = image_cam(inferencer, args.img, args.target_layers,
                            args.method, args.target_category)
    img = inferencer.load_image(args.img)
    base = img if cam['whole'] else cam['input']
    out_h, out_w, interp = display_size(*base.shape[:2])
    picture = overlay_cam(
        base, cam['cam'], (out_h, out_w), interpolation=interp)
    ok, data = cv2.imencode('.png', picture)
    if not ok:  # pragma: no cover - a uint8 BGR image always encodes
        raise RuntimeError(f'cannot encode {args.save_path}')
    with open(args.save_path, 'wb') as f:
        f.write(data.tobytes())
    classes = inferencer.classes
    name = lambda k: f'{k} ({classes[k]})' if classes else str(k)  # noqa
    print(f'predicted class {name(result["pred_label"])}, score '
          f'{result["pred_score"]:.4f}; CAM ({args.method}) of class '
          f'{name(cam["target"])} at {", ".join(cam["layers"])} '
          f'({cam["cam"].shape[0]}x{cam["cam"].shape[1]} map) -> '
          f'{args.save_path}')
    return result, cam


def _check_needs_no_patches(config, cfg_options):
    """A part/patch config without --patches: one line naming the option
    (before the model is built)."""
    from mmfg.analysis.complexity import part_spec
    from mmfg.apis.model import load_config

    cfg = load_config(config, cfg_options)
    if part_spec(cfg) is not None:
        raise ConfigError(
            f'{config} is a part/patch model: give the boxes of its crops '
            'with --patches, e.g. --patches whole (the whole image), '
            '--patches boxes BOXES_JSON or --patches detector DET_CONFIG '
            'DET_CKPT')


if __name__ == '__main__':
    run_with_clear_errors(main)
