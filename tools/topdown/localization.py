"""Grad-CAM localisation of (Top-Down) classifiers against thresholded
objects (Lelekas et al., "Top-Down Networks", Sec. 4.3 (b), Fig. 9).

    python tools/topdown/localization.py CONFIG CKPT [--compare CONFIG CKPT]
        [--threshold 0.2] [--cam-threshold T] [--num-samples N]
        [--target-layer backbone.class_conv] [--num-vis 8] [--out-dir DIR]

For every test image (the first ``--num-samples`` after the config's test
pipeline) that EVERY given model classifies correctly (the paper's "for a
fair comparison"):

* Grad-CAM (``pytorch-grad-cam``, PyPI ``grad-cam``) of the true class on
  the last convolutional layer (default: the TD/BU network's class
  convolution for LeNetFC / NIN, the last feature map otherwise: the final
  BN-ReLU of pre-activation ResNets, the last residual block of ResNet18;
  pick another with ``--target-layer``), ReLU, min-max normalised to ``[0, 1]``
  and resized (bilinear) to the image size: a coarse map for BU networks,
  whose last layer is at 1/4 (LeNetFC) of the input, a full-resolution one
  for TD networks;
* object mask: pixels above ``--threshold`` times the image's maximum (grey
  value; the mean over channels for colour images; meaningful for objects on
  a dark background such as MNIST / Fashion-MNIST);
* CAM mask: CAM above ``--cam-threshold`` (default: ``--threshold``);
* ``precision = |CAM & object| / |CAM|``, ``recall = |CAM & object| /
  |object|`` per image; the JSON holds their means over images (images with
  an empty CAM / object mask are left out of the precision / recall mean and
  counted) and the micro averages (TP, FP, FN summed over images).

Outputs in ``--out-dir`` (default ``work_dirs/topdown_localization``):
``localization.json``, ``gradcam_grid.png`` (the first ``--num-vis`` images:
image + object outline, then each model's heatmap + CAM-mask outline) and
``gradcam/<index>.png``, one figure per shown image.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _topdown_common import (UnitImageClassifier, check_file,  # noqa: E402
                             load_classifier, load_samples, model_name,
                             predict, to_display)

from mmfg.utils import run_with_clear_errors  # noqa: E402
from mmfg.utils.errors import ConfigError  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Grad-CAM precision/recall against thresholded objects')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('--compare', nargs=2, action='append', default=[],
                        metavar=('CONFIG', 'CKPT'),
                        help='another model (repeatable); only images every '
                        'model classifies correctly are scored')
    parser.add_argument('--threshold', type=float, default=0.2,
                        help='object mask: pixels > threshold * image max '
                        '(paper: 0.2)')
    parser.add_argument('--cam-threshold', type=float, default=None,
                        help='CAM mask: CAM > this (default: --threshold)')
    parser.add_argument('--num-samples', type=int, default=1000,
                        help='use the first N test images (default '
                        '%(default)s)')
    parser.add_argument('--target-layer', default=None,
                        help='dotted module name inside the classifier '
                        '(default: backbone.class_conv if present, else '
                        'backbone.final_norm, else the last backbone stage)')
    parser.add_argument('--num-vis', type=int, default=8,
                        help='images to draw (default %(default)s)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--out-dir', default='work_dirs/topdown_localization')
    return parser.parse_args(argv)


# ------------------------------------------------------------------ metrics
def object_masks(images, threshold):
    """``(N, C, H, W)`` images in [0, 1] -> ``(N, H, W)`` bool: pixels whose
    grey value (channel mean) exceeds ``threshold`` times the image's
    maximum."""
    grey = np.asarray(images, dtype=np.float64)
    if grey.ndim == 4:
        grey = grey.mean(axis=1)
    peak = grey.reshape(len(grey), -1).max(axis=1)
    return grey > threshold * peak[:, None, None]


def mask_precision_recall(cam_masks, obj_masks):
    """Per-image and pooled precision / recall of CAM masks against object
    masks (both ``(N, H, W)`` bool).

    Returns:
        dict: ``precision`` / ``recall`` float arrays ``(N,)`` (NaN where the
        CAM / object mask is empty), ``tp``, ``fp``, ``fn`` int arrays
        ``(N,)``.
    """
    cam = np.asarray(cam_masks, dtype=bool)
    obj = np.asarray(obj_masks, dtype=bool)
    if cam.shape != obj.shape:
        raise ValueError(f'mask shapes differ: {cam.shape} vs {obj.shape}')
    axes = tuple(range(1, cam.ndim))
    tp = (cam & obj).sum(axis=axes)
    fp = (cam & ~obj).sum(axis=axes)
    fn = (~cam & obj).sum(axis=axes)
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan)
    return dict(precision=precision, recall=recall, tp=tp, fp=fp, fn=fn)


def summarise(scores):
    """JSON summary of :func:`mask_precision_recall`'s output."""
    tp, fp, fn = (int(scores[k].sum()) for k in ('tp', 'fp', 'fn'))
    p, r = scores['precision'], scores['recall']

    def mean(v):
        v = v[~np.isnan(v)]
        return float(v.mean()) if len(v) else None

    return dict(
        precision=mean(p),
        recall=mean(r),
        precision_std=float(np.nanstd(p)) if np.isfinite(p).any() else None,
        recall_std=float(np.nanstd(r)) if np.isfinite(r).any() else None,
        micro_precision=tp / (tp + fp) if tp + fp else None,
        micro_recall=tp / (tp + fn) if tp + fn else None,
        empty_cam=int(np.isnan(p).sum()),
        empty_object=int(np.isnan(r).sum()))


# ----------------------------------------------------------------- Grad-CAM
def default_target_layer(model):
    backbone = model.backbone
    for name in ('class_conv', 'final_norm'):
        if getattr(backbone, name, None) is not None:
            return f'backbone.{name}'
    stages = getattr(backbone, 'stages', None)
    if stages is not None and len(stages):
        # the module that computes the last level's output (the stage
        # containers themselves are never called)
        i = len(stages) - 1
        units = getattr(stages[i], 'units', None)
        if isinstance(units, torch.nn.ModuleList) and len(units):
            return f'backbone.stages.{i}.units.{len(units) - 1}'
        if units is not None and len(units):
            return f'backbone.stages.{i}.units'
    raise ConfigError('cannot guess the last convolutional layer of '
                      f'{type(backbone).__name__}; give --target-layer')


def get_module(model, name):
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n][:40]
        raise ConfigError(f'--target-layer {name!r} is not a module of the '
                          f'classifier; some names: {names}') from None


def grad_cams(net, layer, images, labels, batch_size):
    """Grad-CAM maps ``(N, H, W)`` in [0, 1] of the classes ``labels`` and
    the spatial size of ``layer``'s output."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    size = {}

    def hook(module, inputs, output):
        size['hw'] = tuple(output.shape[-2:])

    handle = layer.register_forward_hook(hook)
    cams = []
    try:
        with GradCAM(model=net, target_layers=[layer]) as cam:
            for i in range(0, len(images), batch_size):
                x = images[i:i + batch_size]
                targets = [ClassifierOutputTarget(int(c))
                           for c in labels[i:i + batch_size]]
                cams.append(cam(input_tensor=x, targets=targets))
    finally:
        handle.remove()
    if 'hw' not in size:
        raise ConfigError('the target layer never ran in the forward pass; '
                          'give --target-layer a module that is called')
    return np.concatenate(cams), size['hw']


# ------------------------------------------------------------------- figures
def _outline(ax, mask, color):
    if mask.any() and not mask.all():
        ax.contour(mask.astype(float), levels=[0.5], colors=[color],
                   linewidths=0.8)


def draw(path, image, obj, rows, title=None):
    """One column: ``image`` + object outline, then per model a heatmap
    overlay with its CAM-mask outline. ``rows``: [(label, cam, cam_mask)]."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 1 + len(rows), figsize=(2.4 * (1 + len(rows)),
                                                         2.6))
    cmap = 'gray' if image.ndim == 2 else None
    axes[0].imshow(image, cmap=cmap, vmin=0, vmax=1)
    _outline(axes[0], obj, 'lime')
    axes[0].set_title('image / object', fontsize=8)
    for ax, (label, cam, mask) in zip(axes[1:], rows):
        ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
        ax.imshow(cam, cmap='jet', alpha=0.5, vmin=0, vmax=1)
        _outline(ax, mask, 'white')
        ax.set_title(label, fontsize=8)
    for ax in axes:
        ax.axis('off')
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_grid(path, images, objs, models, cams, cam_masks, indices, titles):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    n = len(indices)
    fig, axes = plt.subplots(1 + len(models), n,
                             figsize=(1.7 * n, 1.8 * (1 + len(models))),
                             squeeze=False)
    for j, i in enumerate(indices):
        image = images[i]
        cmap = 'gray' if image.ndim == 2 else None
        axes[0, j].imshow(image, cmap=cmap, vmin=0, vmax=1)
        _outline(axes[0, j], objs[i], 'lime')
        axes[0, j].set_title(titles[j], fontsize=7)
        for r, name in enumerate(models, start=1):
            ax = axes[r, j]
            ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
            ax.imshow(cams[name][i], cmap='jet', alpha=0.5, vmin=0, vmax=1)
            _outline(ax, cam_masks[name][i], 'white')
    for r, name in enumerate(models, start=1):
        axes[r, 0].set_ylabel(name, fontsize=6)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel('object', fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    pairs = [(args.config, args.checkpoint)] + [tuple(p) for p in args.compare]
    for config, ckpt in pairs:
        check_file(config, 'config file')
        check_file(ckpt, 'checkpoint')
    cam_threshold = (args.threshold
                     if args.cam_threshold is None else args.cam_threshold)
    for name, t in (('--threshold', args.threshold),
                    ('--cam-threshold', cam_threshold)):
        if not 0 <= t < 1:
            raise ConfigError(f'{name} must be in [0, 1), got {t}')
    try:
        import pytorch_grad_cam  # noqa: F401
    except ImportError:
        raise ConfigError('localization.py needs pytorch-grad-cam: pip '
                          'install grad-cam (see requirements/optional.txt)'
                          ) from None

    models, images, labels, cfg0 = [], None, None, None
    taken = set()
    for config, ckpt in pairs:
        cfg, model = load_classifier(config, ckpt)
        if images is None:
            images, labels = load_samples(cfg, args.num_samples)
            cfg0 = cfg
        name = model_name(config, taken)
        taken.add(name)
        layer_name = args.target_layer or default_target_layer(model)
        net = UnitImageClassifier(model).eval()
        layer = get_module(model, layer_name)
        preds = predict(net, images, args.batch_size)
        models.append(dict(name=name, config=config, checkpoint=ckpt,
                           net=net, layer=layer, layer_name=layer_name,
                           correct=(preds == labels).numpy()))
    both = np.logical_and.reduce([m['correct'] for m in models])
    keep = np.flatnonzero(both)
    if len(keep) == 0:
        raise ConfigError('no test image is classified correctly by every '
                          'model; nothing to score')
    x, y = images[keep], labels[keep]
    objs = object_masks(x.numpy(), args.threshold)

    result = dict(threshold=args.threshold, cam_threshold=cam_threshold,
                  num_samples=len(images), num_scored=int(len(keep)),
                  grad_cam_version=_version('grad-cam'), models=[])
    cams, cam_masks = {}, {}
    for m in models:
        cam, hw = grad_cams(m['net'], m['layer'], x, y, args.batch_size)
        mask = cam > cam_threshold
        scores = mask_precision_recall(mask, objs)
        cams[m['name']], cam_masks[m['name']] = cam, mask
        summary = summarise(scores)
        result['models'].append(
            dict(name=m['name'], config=m['config'],
                 checkpoint=m['checkpoint'],
                 accuracy=float(m['correct'].mean()),
                 target_layer=m['layer_name'],
                 cam_size=list(hw) if hw else None, **summary))
        print(f"{m['name']}: accuracy {100 * m['correct'].mean():.2f}%, "
              f"Grad-CAM of {m['layer_name']} ({hw[0]}x{hw[1]}): precision "
              f"{_fmt(summary['precision'])}, recall "
              f"{_fmt(summary['recall'])} on {len(keep)} images")

    os.makedirs(osp.join(args.out_dir, 'gradcam'), exist_ok=True)
    json_path = osp.join(args.out_dir, 'localization.json')
    with open(json_path, 'w') as f:
        json.dump(result, f, indent=2)
    shown = list(range(min(args.num_vis, len(keep))))
    disp = to_display(x[shown], cfg0) if shown else []
    names = [m['name'] for m in models]
    if shown:
        draw_grid(osp.join(args.out_dir, 'gradcam_grid.png'), disp, objs,
                  names, cams, cam_masks, shown,
                  [f'#{int(keep[j])}' for j in shown])
    for j in shown:
        rows = [(n, cams[n][j], cam_masks[n][j]) for n in names]
        draw(osp.join(args.out_dir, 'gradcam', f'{int(keep[j])}.png'),
             disp[j], objs[j], rows,
             title=f'test image {int(keep[j])}, class {int(y[j])}')
    print(f'wrote {json_path} and {len(shown)} figures')
    return result


def _fmt(v):
    return '-' if v is None else f'{v:.3f}'


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # noqa: BLE001 - metadata may be missing
        return None


if __name__ == '__main__':
    run_with_clear_errors(main)
