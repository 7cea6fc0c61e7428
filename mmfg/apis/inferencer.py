"""Image classification inference with an mmfg config's own test pipeline."""
import copy
import os.path as osp
from os import PathLike
from typing import Iterable, Iterator, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.model import BaseModel
from mmpretrain.apis import ImageClassificationInferencer

from mmfg.utils.errors import ConfigError, DataError
from .model import check_file, init_model, load_weights

InputType = Union[str, PathLike, np.ndarray]
LOADERS = ('LoadImageFromFile', 'mmcv.LoadImageFromFile',
           'mmpretrain.LoadImageFromFile')


class FGInferencer(ImageClassificationInferencer):
    """:class:`mmpretrain.apis.ImageClassificationInferencer` for mmfg
    configs and checkpoints.

    Differences from the parent:

    * the model is built by :func:`mmfg.apis.init_model` (mmfg registry
      scope; the checkpoint loaded strictly with torch's
      ``weights_only=True`` and mmfg's allow-list);
    * the config's own test pipeline runs unchanged, whatever it ends with
      (``PackInputs``, or ``PackFGInputs`` with part crops that the model's
      data preprocessor consumes). A leading ``LoadImageFromFile`` loads
      image paths with the config's own arguments (colour type, backend);
      arrays skip it. Without one (in-memory datasets such as the idx
      Fashion-MNIST) paths are read grey when the data preprocessor has one
      mean value, else as BGR colour.

    Arrays must be laid out as the pipeline's loader would give them:
    ``(H, W, 3)`` BGR uint8 for colour configs, ``(H, W)`` uint8 for grey
    ones (a BGR array given to a grey model is converted to grey).

    Args:
        model (str | Config | BaseModel): config file or object, or a built
            model with a ``cfg`` attribute (as :func:`init_model` leaves).
        pretrained (str, optional): checkpoint file.
        device (str | torch.device): defaults to ``'cpu'``.
        classes (Sequence[str], optional): class names; defaults to the
            model's ``dataset_meta['classes']``.
        cfg_options (dict, optional): config overrides.

    Calling it with one image (path or array) or a list returns a list of
    dicts, one per image: ``pred_label`` (int), ``pred_score`` (float,
    softmax probability of that class), ``pred_scores`` (numpy ``(K,)``)
    and ``pred_class`` (str, when the class names are known).

    Example:
        >>> from mmfg.apis import FGInferencer
        >>> inferencer = FGInferencer(
        ...     'configs/baselines/lenet5_fashion-mnist.py',
        ...     pretrained='work_dirs/lenet5/epoch_5.pth')
        >>> inferencer('shirt.png')[0]['pred_class']
        'Shirt'
    """

    def __init__(self,
                 model: Union[str, PathLike, Config, BaseModel],
                 pretrained: Optional[Union[str, PathLike]] = None,
                 device: Union[str, torch.device] = 'cpu',
                 classes: Optional[Sequence[str]] = None,
                 cfg_options: Optional[dict] = None) -> None:
        if isinstance(model, BaseModel):
            if getattr(model, 'cfg', None) is None:
                raise ConfigError('FGInferencer needs the config of a built '
                                  'model (its test pipeline): pass the '
                                  'config instead, or build the model with '
                                  'mmfg.apis.init_model')
            if isinstance(pretrained, (str, PathLike)):
                load_weights(model, str(pretrained))
            model = model.to(device)
        else:
            model = init_model(
                model, pretrained, device=device, cfg_options=cfg_options)
        model.eval()
        self.config = model.cfg
        self.model = model
        self.pipeline = self._init_pipeline(self.config)
        self.collate_fn = default_collate
        self.visualizer = None
        if classes is None:
            classes = (getattr(model, 'dataset_meta', None)
                       or {}).get('classes')
        self.classes = classes

    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 show_progress: bool = True,
                 **kwargs) -> list:
        """Classify ``inputs`` (a path or array, or a list of them).

        Args:
            inputs (str | ndarray | list): the images.
            return_datasamples (bool): return ``DataSample`` objects instead
                of dicts.
            batch_size (int): images per forward pass.
            show_progress (bool): mmpretrain's progress bar (on stdout).
            **kwargs: visualisation arguments of the parent (``show_dir``,
                ``show``, ...).

        Returns:
            list[dict]: one dict per image (see the class docstring).
        """
        from mmpretrain.utils import progress

        disabled = progress.disable_progress_bar
        progress.disable_progress_bar = disabled or not show_progress
        try:
            return super().__call__(
                inputs,
                return_datasamples=return_datasamples,
                batch_size=batch_size,
                **kwargs)
        finally:
            progress.disable_progress_bar = disabled

    def _init_pipeline(self, cfg):
        """The test pipeline without its leading file loader (kept in
        ``self.file_loader`` for paths)."""
        from mmfg.registry import TRANSFORMS
        from mmfg.utils import register_all_modules

        register_all_modules()
        loader_cfg = cfg.get('test_dataloader') or cfg.get('val_dataloader')
        if not loader_cfg or 'pipeline' not in loader_cfg.get('dataset', {}):
            raise ConfigError('the config has no test_dataloader.dataset.'
                              'pipeline; the inferencer runs the test '
                              'pipeline: add one to the config')
        steps = copy.deepcopy(list(loader_cfg['dataset']['pipeline']))
        self.file_loader = None
        if steps and steps[0].get('type') in LOADERS:
            self.file_loader = TRANSFORMS.build(steps.pop(0))
        # deterministic steps a dataset applies once when it is built
        # (``pre_pipeline`` of the idx datasets) come first for new images
        steps = copy.deepcopy(
            list(loader_cfg['dataset'].get('pre_pipeline') or [])) + steps
        pre = cfg.get('data_preprocessor') or cfg.model.get(
            'data_preprocessor') or {}
        mean = pre.get('mean')
        self.grey = mean is not None and len(mean) == 1
        return Compose([TRANSFORMS.build(t) for t in steps])

    def _load(self, input_):
        """A path or an array -> the pipeline's input dict."""
        import mmcv

        if isinstance(input_, np.ndarray):
            img = input_
            if self.grey and img.ndim == 3 and img.shape[-1] == 3:
                img = mmcv.bgr2gray(img)
            return dict(
                img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        if not isinstance(input_, (str, PathLike)):
            raise TypeError('inputs must be image paths or numpy arrays, '
                            f'got {type(input_).__name__}')
        path = str(input_)
        check_file(path, 'image')
        size = osp.getsize(path)
        with open(path, 'rb') as f:  # a PermissionError names the file
            head = f.read(8)
        if size == 0:
            raise DataError(f'image {path} is empty (0 bytes); give an image '
                            'file (PNG, JPEG, ...)')
        # the dataset loader's messages speak of annotations and
        # skip_bad_images; here the user named the file
        try:
            if self.file_loader is not None:
                results = self.file_loader(dict(img_path=path))
            else:
                results = mmcv.imread(path,
                                      'grayscale' if self.grey else 'color')
        except Exception:  # noqa: BLE001 - decoders raise many types
            results = None
        if results is None:
            raise DataError(
                f'image {path} ({size} bytes, starting {head!r}) is not an '
                'image file that can be decoded; give an image file (PNG, '
                'JPEG, ...)')
        if self.file_loader is not None:
            return results
        img = results
        return dict(
            img=img,
            img_path=path,
            img_shape=img.shape[:2],
            ori_shape=img.shape[:2])

    def preprocess(self,
                   inputs: Iterable[InputType],
                   batch_size: int = 1) -> Iterator[dict]:
        """Yield collated batches ``{'inputs': [...], 'data_samples':
        [...]}`` for ``model.test_step``."""
        pipeline = Compose([self._load, self.pipeline])
        chunks = self._get_chunk_data(map(pipeline, inputs), batch_size)
        yield from map(self.collate_fn, chunks)
