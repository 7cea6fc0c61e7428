"""Image classification inference with an mmfg config's own test pipeline."""
import os
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
from .image_pipeline import ImagePipeline, InputType, check_classifier_config
from .model import init_model, load_config, load_weights
from .patch_sources import PatchSource


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
      Fashion-MNIST) paths are read by :func:`mmfg.apis.image_io.read_image`
      (any mode: grey, alpha, palette, CMYK, 16 bit), grey when the data
      preprocessor has one mean value, else as BGR colour, and an image of
      another size than the dataset's fixed one (28x28 Fashion-MNIST, the
      112x112 cluttered canvas, 32x32 CIFAR) is first resized to it;
    * part/patch models (a ``PartCrops`` or ``CropToBBox`` step, or the
      ``RoIAlignFGDataPreprocessor``) get their boxes from ``patches``, a
      patch source (:mod:`mmfg.apis.patch_sources`: a detector, CAM boxes or
      CS-parts of a classifier, a proposal file, explicit boxes, the whole
      image), run once per batch on the original images; the boxes go into
      the fields the pipeline reads (``proposals``, ``gt_bboxes``; a
      ``PartCrops`` on annotated parts takes the source's boxes in their
      place), so the crops are cut exactly as in the dataset path. Such a
      model called without a source raises a ConfigError naming the
      sources.

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
        patches (optional): the patch source of a part/patch model: a
            :class:`~mmfg.apis.patch_sources.PatchSource`, a ``--patches``
            token list (``['detector', CFG, CKPT]``), a dict
            (``dict(type='cam', config=..., checkpoint=...)``), one box list
            per image, or ``{image path: boxes}``; see
            :func:`~mmfg.apis.patch_sources.build_patch_source`.

    Calling it with one image (path or array) or a list returns a list of
    dicts, one per image: ``pred_label`` (int), ``pred_score`` (float,
    softmax probability of that class), ``pred_scores`` (numpy ``(K,)``)
    and ``pred_class`` (str, when the class names are known); part/patch
    models add ``patch_boxes``, float32 ``(K, 5)`` ``x1, y1, x2, y2,
    score`` in pixels of the original image: the boxes whose crops the
    model saw, best first (``K`` <= the config's number of parts).

    Example:
        >>> from mmfg.apis import FGInferencer
        >>> inferencer = FGInferencer(
        ...     'configs/baselines/lenet5_fashion-mnist.py',
        ...     pretrained='work_dirs/lenet5/epoch_5.pth')
        >>> inferencer('shirt.png')[0]['pred_class']
        'Shirt'
    """

    visualize_kwargs: set = {
        'resize', 'rescale_factor', 'draw_score', 'show', 'show_dir',
        'wait_time', 'topk'
    }

    def __init__(
            self,
            model: Union[str, PathLike, Config, BaseModel],
            pretrained: Optional[Union[str, PathLike]] = None,
            device: Union[str, torch.device] = 'cpu',
            classes: Optional[Sequence[str]] = None,
            cfg_options: Optional[dict] = None,
            patches: Union['PatchSource', dict, Sequence,
                           None] = None) -> None:
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
            cfg = load_config(model, cfg_options)
            check_classifier_config(cfg)
            model = init_model(cfg, pretrained, device=device)
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
        self.patches = None
        if patches is not None:
            if not self.needs_patches:
                raise ConfigError(
                    'the model of this config cuts no part/patch crops (no '
                    'PartCrops / CropToBBox step, no RoIAlign preprocessor); '
                    'it takes no patch source: leave --patches out')
            from .patch_sources import build_patch_source
            self.patches = build_patch_source(patches, device=str(device))

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

        if self.needs_patches and self.patches is None:
            from .patch_sources import PATCHES_HELP
            raise ConfigError(
                'this config cuts part/patch crops from boxes '
                f'({", ".join(sorted(self.patch_fields))}), which a new image '
                f'does not have; give a patch source: {PATCHES_HELP}')
        if hasattr(self.patches, 'reset'):
            self.patches.reset()
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

    # ------------------------------------------------------------ pipeline
    def _init_pipeline(self, cfg: Config) -> Compose:
        """The config's test pipeline for new images
        (:class:`~mmfg.apis.image_pipeline.ImagePipeline`: leading file
        loader kept apart, patch fields, the dataset's fixed size)."""
        self.image_pipeline = ImagePipeline(cfg)
        self.grey = self.image_pipeline.grey
        return Compose(self.image_pipeline.steps)

    @property
    def needs_patches(self) -> bool:
        """Whether the config cuts part/patch crops from boxes (and so
        needs a patch source for new images)."""
        return self.image_pipeline.needs_patches

    @property
    def patch_fields(self) -> dict:
        """See :attr:`ImagePipeline.patch_fields`."""
        return self.image_pipeline.patch_fields

    def load_image(self, input_: InputType) -> np.ndarray:
        """The decoded original image of a path or array: ``(H, W)`` grey
        or ``(H, W, 3)`` BGR uint8, what the pipeline starts from."""
        return self.image_pipeline.load_results(input_)['img']

    def _set_patches(self, results: dict, boxes: np.ndarray, name) -> None:
        """Put the patch source's boxes ``(N, 5)`` (original pixels, best
        first) into the fields the pipeline / preprocessor reads."""
        if 'gt_bboxes' in self.patch_fields and not len(boxes):
            raise DataError(
                f'the patch source gave no box for image {name}; this '
                'config crops every image to its box: use another source, '
                'or --patches whole')
        for field, k in self.patch_fields.items():
            if field == 'proposals':
                results[field] = boxes.copy()
            else:
                results[field] = boxes[:k, :4].copy()
        results['patch_boxes'] = boxes[:self.image_pipeline.num_patches].copy()

    def _prepare(self, chunk: Sequence[InputType], start: int) -> list:
        """Load a chunk of inputs, add the patch source's boxes, run the
        pipeline; returns the packed items."""
        loaded = [self.image_pipeline.load_results(x) for x in chunk]
        for i, res in enumerate(loaded):
            res.setdefault('sample_idx', start + i)
        if self.needs_patches:
            images = [r['img'] for r in loaded]
            paths = [r.get('img_path') for r in loaded]
            boxes = self.patches(images, paths)
            for i, (res, b) in enumerate(zip(loaded, boxes)):
                self._set_patches(res, b, paths[i] or f'#{start + i}')
        items = []
        for res in loaded:
            patch_boxes = res.pop('patch_boxes', None)
            item, _ = self.image_pipeline.run_pipeline(res)
            if patch_boxes is not None:
                item['data_samples'].set_metainfo(
                    dict(patch_boxes=patch_boxes))
            items.append(item)
        return items

    def preprocess(self,
                   inputs: Iterable[InputType],
                   batch_size: int = 1) -> Iterator[dict]:
        """Yield collated batches ``{'inputs': [...], 'data_samples':
        [...]}`` for ``model.test_step``; the patch source (part / patch
        models) runs once per batch."""
        start = 0
        for chunk in self._get_chunk_data(inputs, batch_size):
            items = self._prepare(chunk, start)
            start += len(chunk)
            # pipelines without a fixed output size (e.g. ResizeEdge, no
            # crop): consecutive runs of one size, in order, never padded
            lo = 0
            for hi in range(1, len(items) + 1):
                if hi == len(items) or items[hi]['inputs'].shape != \
                        items[lo]['inputs'].shape:
                    yield self.collate_fn(items[lo:hi])
                    lo = hi

    def postprocess(self,
                    preds: list,
                    visualization: Optional[list] = None,
                    return_datasamples: bool = False) -> list:
        """The parent's dicts plus ``patch_boxes`` (part/patch models)."""
        results = super().postprocess(preds, visualization, return_datasamples)
        if return_datasamples:
            return results
        for res, sample in zip(results, preds):
            boxes = sample.get('patch_boxes', None)
            if boxes is not None:
                res['patch_boxes'] = np.asarray(boxes, np.float32)
        return results

    def visualize(self,
                  ori_inputs: list,
                  preds: list,
                  show: bool = False,
                  wait_time: int = 0,
                  resize: Optional[int] = None,
                  rescale_factor: Optional[float] = None,
                  draw_score: bool = True,
                  show_dir: Optional[str] = None,
                  topk: int = 5) -> Optional[list]:
        """Readable pictures (:func:`mmfg.visualization.draw_prediction`):
        the ORIGINAL image enlarged to a short side >= 448 px (or
        ``resize``), the patch boxes used (part/patch models), the top-k
        classes and scores. Written to ``show_dir/<image stem or index>.png``
        and/or shown; returns the RGB pictures (None when neither)."""
        import mmcv

        from mmfg.visualization import draw_prediction
        if not show and show_dir is None:
            return None
        pictures = []
        for i, (input_, sample) in enumerate(zip(ori_inputs, preds)):
            img = self.image_pipeline.load_results(input_)['img']
            picture = draw_prediction(
                img,
                sample.pred_score,
                classes=self.classes,
                topk=topk,
                boxes=sample.get('patch_boxes', None),
                min_side=resize or 448,
                show_scores=draw_score)
            if show_dir is not None:
                name = osp.splitext(osp.basename(str(input_)))[0] \
                    if isinstance(input_, (str, PathLike)) else str(i)
                os.makedirs(show_dir, exist_ok=True)
                mmcv.imwrite(picture[..., ::-1],
                             osp.join(show_dir, f'{name}.png'))
            if show:
                mmcv.imshow(picture[..., ::-1], wait_time=wait_time)
            pictures.append(picture)
        return pictures
