"""What an exported graph expects: the per-image input shapes the config's
test pipeline gives, and the preprocessing description stored in the ONNX
file's ``metadata_props`` (key ``'mmfg'``, JSON)."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.model import BaseModel

from mmfg.utils import ConfigError

#: size of the synthetic image whose preprocessing gives the input shapes
#: of configs whose dataset has no fixed image size
PROBE_SIZE = (256, 256)


def input_shapes(
        model: BaseModel,
        shape: Optional[Sequence[int]] = None) -> Dict[str, Tuple[int, ...]]:
    """Per-image shape (no batch axis) of every graph input of ``model``:
    a grey synthetic image of the dataset's fixed size (else
    :data:`PROBE_SIZE`) through the config's test pipeline and the data
    preprocessor (part/patch models: one whole-image box,
    :class:`mmfg.apis.WholeImageBox`). ``shape`` ``(H, W)`` replaces the
    image size (the crops keep the config's ``crop_size``).
    """
    from mmfg.apis import WholeImageBox
    from .inputs import OnnxInputs
    from .wrappers import score_module
    probe = OnnxInputs(model)
    pipe = probe.inferencer.image_pipeline
    if probe.needs_patches:
        probe = OnnxInputs(model, patches=WholeImageBox())
    size = tuple(pipe.native_size or PROBE_SIZE)
    img = np.full(size if pipe.grey else (*size, 3), 128, np.uint8)
    tensors = probe.tensors([img])
    names = score_module(model).input_names
    if set(tensors) != set(names):
        raise ConfigError(
            f'the test pipeline gives the inputs {sorted(tensors)} but the '
            f'model takes {list(names)}: check the pipeline (PartCrops, '
            'PackFGInputs) and the data preprocessor of the config')
    shapes = {
        k: tuple(int(s) for s in v.shape[1:])
        for k, v in tensors.items()
    }
    if shape is not None:
        h, w = (int(s) for s in shape)
        if h < 1 or w < 1:
            raise ConfigError(f'--shape {h} {w}: sizes must be >= 1')
        shapes['inputs'] = (shapes['inputs'][0], h, w)
    return shapes


def _jsonable(obj):
    return json.loads(json.dumps(obj, default=str))


def preprocess_metadata(model: BaseModel, shapes: Dict[str,
                                                       Sequence[int]]) -> dict:
    """The preprocessing the graph of ``model`` expects, JSON-able: the
    config, the class names, ``mean``/``std`` (per channel, on 0-255
    values; None when the preprocessor does not normalise),
    ``bgr_to_rgb`` (the preprocessor flips BGR to RGB), ``input_size``
    ``[H, W]``, ``channels``, the test pipeline (dataset ``pre_pipeline`` +
    ``pipeline``) and, for part/patch models, ``num_parts``,
    ``crop_size`` and where the boxes come from."""
    from mmfg.models.utils.roi_crops import RoIAlignFGDataPreprocessor
    from .wrappers import score_module
    cfg = model.cfg
    pre = model.data_preprocessor
    normalize = bool(getattr(pre, '_enable_normalize', False))
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader') or {}
    ds = loader.get('dataset', {})
    pipeline = list(ds.get('pre_pipeline') or []) + list(
        ds.get('pipeline') or [])
    name = getattr(cfg, 'filename', None)
    meta = dict(
        config=osp.basename(name) if name else None,
        model=type(model).__name__,
        classes=list((model.dataset_meta or {}).get('classes') or []),
        mean=pre.mean.flatten().tolist() if normalize else None,
        std=pre.std.flatten().tolist() if normalize else None,
        bgr_to_rgb=bool(getattr(pre, 'to_rgb', False)),
        channels=int(shapes['inputs'][0]),
        input_size=[int(s) for s in shapes['inputs'][1:]],
        test_pipeline=_jsonable(pipeline),
        input_names=list(score_module(model).input_names))
    if 'parts' in shapes:
        from mmfg.apis.image_pipeline import ImagePipeline
        meta.update(
            num_parts=int(shapes['parts'][0]),
            crop_size=[int(s) for s in shapes['parts'][2:]],
            crops='normalised like the image, cut by the test pipeline '
            '(PartCrops) from the boxes of the fields ' +
            ', '.join(sorted(ImagePipeline(cfg).patch_fields)))
    if isinstance(pre, RoIAlignFGDataPreprocessor):
        meta.update(
            num_parts=int(shapes['boxes'][0]),
            crop_size=list(pre.cropper.crop_size),
            boxes='x1, y1, x2, y2 in pixels of inputs; x2 <= x1 or y2 <= y1 '
            f'marks an empty slot; from the field {pre.box_source}',
            global_size=None
            if pre.image_size is None else list(pre.image_size))
    for key in ('eval_protocol', 'fusion', 'fusion_weights'):
        if hasattr(model, key):
            meta[key] = _jsonable(getattr(model, key))
    return meta
