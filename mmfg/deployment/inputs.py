"""The graph inputs of an exported model, made the way the PyTorch model
gets them: the config's own test pipeline (new images through
:class:`mmfg.apis.FGInferencer`'s machinery, part/patch boxes from a
:mod:`mmfg.apis.patch_sources` source; dataset items as the dataset gives
them), then the model's data preprocessor. So an ONNX graph and
``model.predict`` are always compared on the same tensors.
"""
from os import PathLike
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import BaseModel

from mmfg.utils import ConfigError


def graph_inputs(preprocessor: torch.nn.Module,
                 data: dict) -> Dict[str, torch.Tensor]:
    """A collated batch (``{'inputs': ..., 'data_samples': ...}`` from a
    dataloader or :meth:`FGInferencer.preprocess`) -> the graph inputs
    (see :mod:`mmfg.deployment.wrappers`), by the model's data
    preprocessor in eval mode:

    * ``inputs`` ``(B, C, H, W)`` float32, normalised;
    * with pipeline crops: ``parts`` ``(B, K, C, h, w)`` and
      ``part_valid`` ``(B, K)`` bool;
    * with a :class:`~mmfg.models.utils.RoIAlignFGDataPreprocessor`: the
      normalised image before its crop/resize and ``boxes`` ``(B, K, 4)``
      (the preprocessor's own box choice: top ``K`` by score, zero
      padding).
    """
    from mmfg.models.utils.data_preprocessor import FGDataPreprocessor
    from mmfg.models.utils.roi_crops import RoIAlignFGDataPreprocessor
    from mmfg.structures import PART_VALID, PARTS
    with torch.no_grad():
        if isinstance(preprocessor, RoIAlignFGDataPreprocessor):
            out = FGDataPreprocessor.forward(preprocessor, data, False)
            if PARTS in out:
                raise ConfigError(
                    'RoIAlignFGDataPreprocessor cuts the crops itself but '
                    'the pipeline made some too: remove PartCrops')
            boxes = torch.stack(
                [preprocessor._boxes(s) for s in out['data_samples']])
            return dict(inputs=out['inputs'], boxes=boxes.to(out['inputs']))
        out = preprocessor(data, False)
    result = dict(inputs=out['inputs'])
    if PARTS in out:
        result['parts'] = out[PARTS]
        result['part_valid'] = out[PART_VALID]
    return result


class _PreprocessorOnly(BaseModel):
    """A model that holds only a config's data preprocessor, for
    :class:`~mmfg.apis.FGInferencer`'s pipeline machinery without building
    (and initialising) the network."""

    def forward(self, *args, **kwargs):
        raise RuntimeError('a _PreprocessorOnly model does not classify')


def build_data_preprocessor(cfg: Config) -> torch.nn.Module:
    """The data preprocessor the model of ``cfg`` builds (the model's
    ``data_preprocessor``, else the config's top-level one, as
    :func:`mmfg.apis.init_model` merges them), with mmfg's
    :class:`~mmfg.models.utils.FGDataPreprocessor` for an unnamed type
    (it equals mmpretrain's ``ClsDataPreprocessor`` on samples without
    crops)."""
    from mmengine.registry import DefaultScope

    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules
    register_all_modules()
    pre = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor') or {}
    pre = dict(pre)
    pre.setdefault('type', 'FGDataPreprocessor')
    with DefaultScope.overwrite_default_scope('mmfg'):
        return MODELS.build(pre)


class OnnxInputs:
    """Preprocess new images for an exported graph with the config's own
    test pipeline.

    Args:
        model (str | Config | BaseModel): the config (file or object), or
            a model built by :func:`mmfg.apis.init_model` (its ``cfg`` and
            data preprocessor are used; no weights are read).
        patches (optional): the patch source of a part/patch model, as
            :class:`~mmfg.apis.FGInferencer` takes it (e.g.
            ``mmfg.apis.WholeImageBox()``, ``ExplicitBoxes([...])``,
            ``['cam', CFG, CKPT]``).
        cfg_options (dict, optional): config overrides (config input).

    Calling it with a list of images (paths, or arrays laid out as the
    config's loader gives them: ``(H, W, 3)`` BGR or ``(H, W)`` grey
    uint8) returns ``{input name: numpy array}`` for
    ``onnxruntime.InferenceSession.run`` (the names of
    :mod:`mmfg.deployment.wrappers`); :meth:`batch` returns the collated
    batch instead (for the PyTorch model's ``test_step``).
    """

    def __init__(self,
                 model: Union[str, PathLike, Config, BaseModel],
                 patches=None,
                 cfg_options: Optional[dict] = None) -> None:
        from mmfg.apis import FGInferencer, load_config
        if not isinstance(model, BaseModel):
            cfg = load_config(model, cfg_options)
            model = _PreprocessorOnly(
                data_preprocessor=build_data_preprocessor(cfg))
            model.cfg = cfg
            model.dataset_meta = {}
        self.inferencer = FGInferencer(model, patches=patches)
        self.preprocessor = model.data_preprocessor

    @property
    def needs_patches(self) -> bool:
        """Whether the config cuts part/patch crops from boxes."""
        return self.inferencer.needs_patches

    def batch(self, images: Sequence) -> dict:
        """The collated batch of ``images`` (one batch; they must give
        inputs of one size)."""
        from mmfg.apis.patch_sources import PATCHES_HELP
        inf = self.inferencer
        if inf.needs_patches and inf.patches is None:
            raise ConfigError(
                'this config cuts part/patch crops from boxes, which a new '
                f'image does not have; give OnnxInputs a patch source: '
                f'{PATCHES_HELP}')
        if hasattr(inf.patches, 'reset'):
            inf.patches.reset()
        batches = list(inf.preprocess(list(images), batch_size=len(images)))
        if len(batches) != 1:
            raise ConfigError(
                "the images give inputs of different sizes (the config's "
                'test pipeline has no fixed output size); preprocess them '
                'one at a time')
        return batches[0]

    def tensors(self, images: Sequence) -> Dict[str, torch.Tensor]:
        """``{input name: tensor}`` of ``images``."""
        return graph_inputs(self.preprocessor, self.batch(images))

    def __call__(self, images: Sequence) -> Dict[str, np.ndarray]:
        return {k: v.cpu().numpy() for k, v in self.tensors(images).items()}
