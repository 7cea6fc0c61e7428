"""The class activation map of one image for any classifier config
(``tools/visualization/vis_cam.py``), through
:class:`mmfg.apis.batch_cam.InferencerCAM` (the image goes through the
config's test pipeline once; part/patch models: the global image is
explained with the crops held fixed) and
:class:`mmfg.visualization.cam.ClassifierCAM`.
"""
import numpy as np

from mmfg.utils.errors import ConfigError


def image_cam(inferencer,
              img,
              target_layers=None,
              method='gradcam',
              target_category=None):
    """The prediction and CAM of one image.

    Args:
        inferencer (FGInferencer): the model and its test pipeline.
        img (str): image file.
        target_layers (list[str], optional): module names (default the
            model's :func:`~mmfg.visualization.cam.default_target_layer`).
        method (str): CAM method.
        target_category (int, optional): class to explain (default the
            predicted one).

    Returns:
        tuple: ``(result, cam)``: the inferencer's result dict, and
        :meth:`mmfg.apis.batch_cam.InferencerCAM.maps`'s dict (``cam``
        ``(h, w)`` in [0, 1], ``input``, ``whole``) with ``layers`` (the
        layer names) and ``target`` (the class explained).
    """
    from mmfg.apis.batch_cam import InferencerCAM
    from mmfg.visualization.cam import ClassifierCAM, get_target_layer

    layers = list(target_layers or [None])
    try:
        cam = InferencerCAM(inferencer, method=method, target_layer=layers[0])
    except ConfigError as exc:  # InferencerCAM words it for inference.py
        msg = str(exc).replace('--cam-dir: ', '').replace(
            '--cam-layer',
            '--target-layers').replace('leave --cam-dir out for this model',
                                       'a CAM cannot explain this model')
        raise ConfigError(msg) from None
    try:
        with cam.recording():
            result = inferencer([img], batch_size=1, show_progress=False)[0]
        num = len(result['pred_scores'])
        target = result['pred_label'] if target_category is None \
            else target_category
        if not 0 <= target < num:
            raise ConfigError(f'--target-category {target}: the model has '
                              f'{num} classes (0..{num - 1})')
        names, maps = [cam.layer_name], []
        maps.append(cam.maps([target])[0])
        for name in layers[1:]:
            try:
                layer = get_target_layer(inferencer.model, name)
            except ConfigError as exc:
                msg = str(exc).replace('--target-layer ', '--target-layers ')
                raise ConfigError(msg) from None
            cam.cam = ClassifierCAM(cam.net, target_layer=layer, method=method)
            maps.append(cam.maps([target])[0])
            names.append(name)
    finally:
        cam.remove()
    out = dict(maps[0])
    if len(maps) > 1:  # grad-cam's aggregation over layers
        mean = np.mean([np.maximum(m['cam'], 0) for m in maps], axis=0)
        lo, hi = mean.min(), mean.max()
        out['cam'] = (mean - lo) / (hi - lo) if hi > lo else mean * 0
    out.update(layers=names, target=int(target))
    return result, out
