"""Grad-CAM localisation of classifiers against thresholded objects, scored
on the images every compared model classifies correctly (Lelekas et al.,
"Top-Down Networks", Sec. 4.3 (b), Fig. 9: "for a fair comparison").

Per model: Grad-CAM (:class:`mmfg.visualization.ClassifierCAM`) of the
class of each scored image (every model predicts it: it is both the
predicted and the true class) at the target layer (default
:func:`mmfg.visualization.default_target_layer`), in ``[0, 1]`` at the
image size, normalised as the reference code does (``cam_normalize='mean'``:
the raw map minus its mean, resized, ReLU, divided by its maximum;
``'minmax'``: the grad-cam package's ReLU + min-max, which makes masks cover
most of the image); precision / recall of ``CAM > cam_threshold`` against
the object mask ``grey > threshold * max``
(:mod:`mmfg.evaluation.localization`), next to the masks' areas (fraction
of the image): a mask covering everything has precision = object area.
"""
import numpy as np

from mmfg.utils.errors import ConfigError


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # noqa: BLE001 - metadata may be missing
        return None


def _fmt(v):
    return '-' if v is None else f'{v:.3f}'


def localization_benchmark(models,
                           threshold=0.2,
                           cam_threshold=None,
                           num_samples=1000,
                           target_layer=None,
                           batch_size=128,
                           cam_normalize='mean',
                           log=print):
    """What ``tools/topdown/localization.py`` computes.

    Args:
        models (Sequence[tuple]): ``(config path, checkpoint)`` pairs; the
            images are the first model's config's test images.
        threshold (float): object mask threshold (fraction of the image's
            maximum; paper 0.2).
        cam_threshold (float, optional): CAM mask threshold; default
            ``threshold``.
        num_samples (int): test images read.
        target_layer (str, optional): dotted module name in every
            classifier; default per model.
        batch_size (int): images per forward / CAM pass.
        cam_normalize (str): ``'mean'`` (reference, default) or
            ``'minmax'`` (see the module docstring).

    Returns:
        dict: ``result`` (the JSON: ``threshold``, ``cam_threshold``,
        ``num_samples``, ``num_scored``, ``grad_cam_version``, ``models``
        with ``name``, ``config``, ``checkpoint``, ``accuracy``,
        ``target_layer``, ``cam_size``, ``cam_area`` (mean fraction of the
        image inside the CAM mask) and the
        :func:`~mmfg.evaluation.summarise_localization` fields; and
        ``object_area``, the same for the object masks) and, for
        figures, ``cfg`` (first config), ``images`` ``(M, C, H, W)`` and
        ``labels`` ``(M,)`` of the scored images, ``indices`` ``(M,)``
        (their test-set indices), ``objects`` ``(M, H, W)`` bool,
        ``cams`` / ``cam_masks`` (name -> ``(M, H, W)``).
    """
    from mmfg.apis import init_model, load_samples
    from mmfg.apis.model import check_file
    from mmfg.evaluation import (mask_precision_recall, object_masks,
                                 summarise_localization)
    from mmfg.visualization import (ClassifierCAM, default_target_layer,
                                    get_target_layer)
    from .unit_classifier import (UnitImageClassifier, model_name,
                                  predict_labels)

    pairs = [tuple(p) for p in models]
    for config, ckpt in pairs:
        check_file(config, 'config file')
        check_file(ckpt, 'checkpoint')
    if cam_threshold is None:
        cam_threshold = threshold
    for name, t in (('--threshold', threshold), ('--cam-threshold',
                                                 cam_threshold)):
        if not 0 <= t < 1:
            raise ConfigError(f'{name} must be in [0, 1), got {t}')
    try:
        import pytorch_grad_cam  # noqa: F401
    except ImportError:
        raise ConfigError(
            'localization.py needs pytorch-grad-cam: pip '
            'install grad-cam (see requirements/optional.txt)') from None

    entries, images, labels, cfg0 = [], None, None, None
    taken = set()
    for config, ckpt in pairs:
        model = init_model(config, ckpt)
        if images is None:
            images, labels = load_samples(model.cfg, num_samples)
            cfg0 = model.cfg
        name = model_name(config, taken)
        taken.add(name)
        layer_name = target_layer or default_target_layer(model)
        net = UnitImageClassifier(model).eval()
        layer = get_target_layer(model, layer_name)
        preds = predict_labels(net, images, batch_size)
        entries.append(
            dict(
                name=name,
                config=config,
                checkpoint=ckpt,
                net=net,
                layer=layer,
                layer_name=layer_name,
                correct=(preds == labels).numpy()))
    both = np.logical_and.reduce([m['correct'] for m in entries])
    keep = np.flatnonzero(both)
    if len(keep) == 0:
        raise ConfigError('no test image is classified correctly by every '
                          'model; nothing to score')
    x, y = images[keep], labels[keep]
    objs = object_masks(x.numpy(), threshold)

    result = dict(
        threshold=threshold,
        cam_threshold=cam_threshold,
        cam_normalize=cam_normalize,
        object_area=float(objs.mean()),
        num_samples=len(images),
        num_scored=int(len(keep)),
        grad_cam_version=_version('grad-cam'),
        models=[])
    cams, cam_masks = {}, {}
    for m in entries:
        # y is every model's prediction on these images (explicit targets
        # only spare a second argmax)
        cam_gen = ClassifierCAM(
            m['net'], target_layer=m['layer'], normalize=cam_normalize)
        cam = cam_gen(x, targets=y, batch_size=batch_size).numpy()
        hw = cam_gen.layer_size
        mask = cam > cam_threshold
        scores = mask_precision_recall(mask, objs)
        cams[m['name']], cam_masks[m['name']] = cam, mask
        summary = summarise_localization(scores)
        result['models'].append(
            dict(
                name=m['name'],
                config=m['config'],
                checkpoint=m['checkpoint'],
                accuracy=float(m['correct'].mean()),
                target_layer=m['layer_name'],
                cam_size=list(hw) if hw else None,
                cam_area=float(mask.mean()),
                **summary))
        log(f"{m['name']}: accuracy {100 * m['correct'].mean():.2f}%, "
            f"Grad-CAM of {m['layer_name']} ({hw[0]}x{hw[1]}): precision "
            f"{_fmt(summary['precision'])}, recall "
            f"{_fmt(summary['recall'])}, mask area {mask.mean():.3f} "
            f'(objects {objs.mean():.3f}) on {len(keep)} images')
    return dict(
        result=result,
        cfg=cfg0,
        images=x,
        labels=y,
        indices=keep,
        objects=objs,
        cams=cams,
        cam_masks=cam_masks)
