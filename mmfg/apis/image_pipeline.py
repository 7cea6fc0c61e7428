"""A config's test pipeline for NEW images (not items of its dataset).

What :class:`mmfg.apis.FGInferencer` and the classifier patch sources
share: decoding a path or an array as the config's loader would, the
dataset's fixed image size (in-memory datasets), the steps that need part /
patch boxes, and running the pipeline (optionally tracing where the
original image lands in the network input).
"""
import copy
from os import PathLike
from typing import Dict, Optional, Tuple, Union

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose

from mmfg.utils.errors import ConfigError, DataError
from .model import check_file

InputType = Union[str, PathLike, np.ndarray]
LOADERS = ('LoadImageFromFile', 'mmcv.LoadImageFromFile',
           'mmpretrain.LoadImageFromFile')
#: model types that are not image classifiers, and what to do instead
NOT_CLASSIFIERS = {
    'SRPretrainer':
    'this config pre-trains RACNN\'s super-resolution layers (an image -> '
    'image model), it does not classify; use a racnn_* classifier config',
    'RPN':
    'this is a detector config (the proposals stage); use it as the patch '
    'source of a part/patch model: --patches detector CONFIG CHECKPOINT',
}


def check_classifier_config(cfg: Config) -> None:
    """Refuse configs whose model is not an image classifier (RACNN's
    super-resolution pre-training, a detector), naming what to use."""
    model = cfg.get('model')
    kind = str(model.get('type')) if isinstance(model, dict) else ''
    if kind.split('.')[-1] in NOT_CLASSIFIERS:
        raise ConfigError(NOT_CLASSIFIERS[kind.split('.')[-1]])
    if cfg.get('default_scope') == 'mmdet':
        raise ConfigError(NOT_CLASSIFIERS['RPN'])


class ImagePipeline:
    """The test pipeline of ``cfg`` for new images.

    Attributes:
        file_loader: the config's leading ``LoadImageFromFile`` (built), or
            None (in-memory datasets).
        steps (list): the other steps, built: the dataset's
            ``pre_pipeline`` then its ``pipeline``; a ``PartCrops`` on
            annotated parts (``gt_keypoints``) is switched to
            ``source='proposals'`` (new images have no annotations).
        patch_fields (dict): ``{results field: boxes used}`` of the steps
            that cut crops from boxes (``PartCrops``: ``proposals`` /
            ``gt_bboxes``; ``CropToBBox``: ``gt_bboxes``, 1; the
            ``RoIAlignFGDataPreprocessor``: its ``box_source``).
        num_patches (int): the most boxes any of them uses (0: none).
        grey (bool): the model takes one channel.
        native_size (tuple, optional): ``(h, w)`` of every image of an
            in-memory dataset (idx, CIFAR); other sizes are resized to it.
    """

    def __init__(self, cfg: Config) -> None:
        from mmfg.registry import DATASETS, TRANSFORMS
        from mmfg.utils import register_all_modules

        register_all_modules()
        check_classifier_config(cfg)
        loader_cfg = cfg.get('test_dataloader') or cfg.get('val_dataloader')
        if not loader_cfg or 'pipeline' not in loader_cfg.get('dataset', {}):
            raise ConfigError('the config has no test_dataloader.dataset.'
                              'pipeline; the inferencer runs the test '
                              'pipeline: add one to the config')
        ds_cfg = loader_cfg['dataset']
        steps = copy.deepcopy(list(ds_cfg['pipeline']))
        self.file_loader = None
        if steps and steps[0].get('type') in LOADERS:
            self.file_loader = TRANSFORMS.build(steps.pop(0))
        # deterministic steps a dataset applies once when it is built
        # (``pre_pipeline`` of the idx datasets) come first for new images
        steps = copy.deepcopy(list(ds_cfg.get('pre_pipeline') or [])) + steps
        self.patch_fields = self._patch_fields(steps, cfg)
        self.num_patches = max(self.patch_fields.values(), default=0)
        pre = cfg.get('data_preprocessor') or cfg.model.get(
            'data_preprocessor') or {}
        mean = pre.get('mean')
        self.grey = mean is not None and len(mean) == 1
        self.native_size = None
        ds_type = ds_cfg.get('type')
        try:
            ds_cls = DATASETS.get(ds_type) if isinstance(ds_type,
                                                         str) else ds_type
        except KeyError:
            ds_cls = None
        if self.file_loader is None and hasattr(ds_cls, 'image_size_of'):
            self.native_size = ds_cls.image_size_of(ds_cfg)
        # built once: new images of another size are resized to it first
        self.native_resize = None if self.native_size is None else \
            TRANSFORMS.build(
                dict(
                    type='Resize',
                    scale=tuple(self.native_size)[::-1],
                    keep_ratio=False))
        self.steps = [TRANSFORMS.build(t) for t in steps]

    @staticmethod
    def _patch_fields(steps: list, cfg: Config) -> Dict[str, int]:
        """``{results field: boxes the model uses}`` for the steps that cut
        crops from boxes; a ``PartCrops`` on annotated parts
        (``gt_keypoints``) is switched to the patch source's boxes."""
        fields = {}
        for step in steps:
            kind = str(step.get('type')).split('.')[-1]
            if kind == 'PartCrops':
                source = step.get('source', 'gt_keypoints')
                if source == 'gt_keypoints':
                    step['source'] = source = 'proposals'
                fields[source] = max(
                    fields.get(source, 0), int(step['num_parts']))
            elif kind == 'CropToBBox':
                fields['gt_bboxes'] = max(fields.get('gt_bboxes', 0), 1)
        pre = cfg.model.get('data_preprocessor') or cfg.get(
            'data_preprocessor') or {}
        if str(pre.get('type')).split('.')[-1] == \
                'RoIAlignFGDataPreprocessor':
            field = pre.get('box_source', 'proposals')
            fields[field] = max(
                fields.get(field, 0), int(pre.get('num_parts', 1)))
        return fields

    @property
    def needs_patches(self) -> bool:
        """Whether the config cuts part/patch crops from boxes (and so
        needs a patch source for new images)."""
        return bool(self.patch_fields)

    def load_image(self, input_: InputType) -> np.ndarray:
        """The decoded original image of a path or array: ``(H, W)`` grey
        or ``(H, W, 3)`` BGR uint8, what the pipeline starts from."""
        return self.load_results(input_)['img']

    def load_results(self, input_: InputType) -> dict:
        """A path or an array -> the pipeline's input dict (``img``,
        ``img_shape``, ``ori_shape``, ``img_path`` for paths)."""
        if isinstance(input_, np.ndarray):
            img = self._as_model_channels(input_)
            return dict(
                img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        if not isinstance(input_, (str, PathLike)):
            raise TypeError('inputs must be image paths or numpy arrays, '
                            f'got {type(input_).__name__}')
        path = str(input_)
        if self.file_loader is None:
            from .image_io import read_image
            img = read_image(path, grey=self.grey)
            return dict(
                img=img,
                img_path=path,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2])
        check_file(path, 'image')
        # the dataset loader's messages speak of annotations and
        # skip_bad_images; here the user named the file. What the config's
        # loader cannot decode (e.g. a TIFF with an EXIF orientation under
        # OpenCV 5) is read by read_image, in the loader's colour type; a
        # file that is no image gets read_image's error (size, first bytes)
        try:
            results = self.file_loader(dict(img_path=path))
        except Exception:  # noqa: BLE001 - decoders raise many types
            results = None
        if results is None:
            from .image_io import read_image
            grey = getattr(self.file_loader, 'color_type', '') == 'grayscale'
            img = read_image(path, grey=grey)
            results = dict(
                img=img,
                img_path=path,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2])
        return results

    def _as_model_channels(self, img: np.ndarray) -> np.ndarray:
        """An array in the layout the model's loader gives: grey ``(H, W)``
        for one-channel models, else ``(H, W, 3)`` BGR; ``(H, W, 4)`` is
        read as BGRA (alpha dropped), uint16 scaled by 1/257."""
        import mmcv
        if img.dtype == np.uint16:
            img = (img.astype(np.float32) / 257.).round().astype(np.uint8)
        if img.dtype != np.uint8:
            raise DataError(f'image arrays must be uint8 (0-255) or uint16, '
                            f'got {img.dtype}; convert the array first')
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        if img.ndim == 3 and img.shape[-1] == 4:
            img = img[..., :3]
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
            raise DataError(f'image arrays must be (H, W) grey or (H, W, 3) '
                            f'BGR, got shape {img.shape}')
        if self.grey and img.ndim == 3:
            return mmcv.bgr2gray(img)
        if not self.grey and img.ndim == 2:
            return mmcv.gray2bgr(img)
        return img

    def run_pipeline(self,
                     results: dict,
                     trace: bool = False) -> Tuple[dict, Optional[tuple]]:
        """The loaded ``results`` (with any patch fields) through the
        dataset's fixed-size resize (new images of another size, in-memory
        datasets only) and the test pipeline.

        With ``trace``, also return ``(x0, y0, sx, sy)``: a network-input
        point ``x`` is the original point ``(x - x0) / sx`` (resizes and
        crops, traced by a box through mmfg's coordinate-moving
        transforms; the last step must be the packer).
        """
        steps = list(self.steps)
        h, w = results['img'].shape[:2]
        if self.native_size is not None and (h, w) != tuple(self.native_size):
            steps.insert(0, self.native_resize)
        if not trace:
            return Compose(steps)(results), None
        tracer = np.array([[w / 4, h / 4, 3 * w / 4, 3 * h / 4, 1]],
                          np.float32)
        results = dict(results, proposals=tracer)
        results = Compose(steps[:-1])(results)
        a1, b1, a2, b2 = results.pop('proposals')[0, :4].tolist()
        ih, iw = results['img'].shape[:2]
        if min(a1, b1) <= 1e-3 or a2 >= iw - 1e-3 or b2 >= ih - 1e-3:
            raise ConfigError(
                'the classifier\'s test pipeline crops into the middle half '
                'of the image; its boxes cannot be mapped back to the '
                'original image (use a config that resizes or centre-crops '
                'less)')
        sx, sy = (a2 - a1) / (w / 2), (b2 - b1) / (h / 2)
        frame = (a1 - sx * w / 4, b1 - sy * h / 4, sx, sy)
        return steps[-1](results), frame
