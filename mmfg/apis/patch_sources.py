"""Patch sources: the part/patch boxes of NEW images for part/patch models.

Inside a dataset the boxes of a part/patch model come from annotations
(``gt_bboxes``, ``gt_keypoints``) or a proposal file keyed by the dataset's
image paths. A new image has neither; a patch source gives its boxes:

* :class:`DetectorBoxes` - a trained MMDetection detector (the proposals
  stage of ``configs/proposals``: RPN trained on pseudo boxes);
* :class:`ClassifierBoxes` - CAM boxes or CS-parts of a trained classifier
  (:class:`mmfg.proposals.CAMBoxes` / :class:`mmfg.proposals.CSParts`);
* :class:`ProposalFileBoxes` - a proposal file (``mmfg.datasets.proposals``
  format) keyed by the images' paths;
* :class:`ExplicitBoxes` - boxes given per image;
* :class:`WholeImageBox` - the whole image (for crop-to-object configs on
  images that are already cropped).

Every source is called on a batch of ORIGINAL images (``(H, W)`` grey or
``(H, W, 3)`` BGR uint8, as decoded) with their paths (None for arrays) and
returns one float32 ``(N, 5)`` array per image, ``x1, y1, x2, y2, score``
in pixels of that image, best first (``N`` may be 0).
"""
import os.path as osp
import warnings
from typing import TYPE_CHECKING, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch

from mmfg.utils.errors import ConfigError, DataError
from .model import check_file, load_weights

if TYPE_CHECKING:
    from mmengine.model import BaseModel

#: the ``--patches`` grammar of the tools (demo, folder inference)
PATCHES_HELP = (
    'where the part/patch boxes of each image come from (part/patch models '
    'only): "detector DET_CONFIG DET_CKPT" (an MMDetection detector, e.g. '
    'configs/proposals), "cam CLS_CONFIG CLS_CKPT" (CAM boxes of a '
    'classifier), "cs-parts CLS_CONFIG CLS_CKPT [SVM.npz]" (CS-parts of a '
    'classifier; without the SVM file it is fitted on the classifier '
    'config\'s training split), "file PROPOSAL_FILE" (boxes keyed by image '
    'path), "boxes BOXES_JSON" ({"image path": [[x1, y1, x2, y2(, '
    'score)], ...]}) or "whole" (the whole image)')
SOURCE_KINDS = ('detector', 'cam', 'cs-parts', 'file', 'boxes', 'whole')

Images = Sequence[np.ndarray]
Paths = Sequence[Optional[str]]


def as_scored_boxes(boxes, where: str) -> np.ndarray:
    """``(N, 4)`` or ``(N, 5)`` numbers -> float32 ``(N, 5)`` sorted best
    first (4 columns: scores ``N, N-1, ..., 1``, the given order).

    Raises:
        DataError: naming ``where`` and the bad box.
    """
    arr = np.asarray(boxes, dtype=np.float64) if len(boxes) else \
        np.zeros((0, 5))
    if arr.ndim == 1 and arr.size in (4, 5):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise DataError(f'{where}: boxes must be [[x1, y1, x2, y2], ...] or '
                        f'[[x1, y1, x2, y2, score], ...], got shape '
                        f'{arr.shape}')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.arange(len(arr), 0, -1)[:, None]], 1)
    bad = ~np.isfinite(arr).all(1) | (arr[:, 2] <= arr[:, 0]) | \
        (arr[:, 3] <= arr[:, 1]) | (arr[:, :4] < 0).any(1)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f'{where}: box {i} {arr[i].tolist()} is not a box '
                        '(finite, x2 > x1 >= 0, y2 > y1 >= 0)')
    order = np.argsort(-arr[:, 4], kind='stable')
    return arr[order].astype(np.float32)


def check_inside(boxes: np.ndarray,
                 img: np.ndarray,
                 where: str,
                 tol: float = 1e-3) -> None:
    """Refuse boxes outside the ``(h, w)`` of ``img`` (they were made for
    another image or size)."""
    h, w = img.shape[:2]
    out = (boxes[:, 2] > w + tol) | (boxes[:, 3] > h + tol)
    if out.any():
        i = int(np.argmax(out))
        raise DataError(f'{where}: box {i} {boxes[i, :4].tolist()} lies '
                        f'outside the {w}x{h} (w x h) image; boxes are in '
                        'pixels of the original image')


class PatchSource:
    """Base class: ``source(images, paths) -> [(N, 5) float32, ...]``."""

    #: the ``--patches`` keyword of the source
    kind = ''

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


def _path_keys(path: str) -> List[str]:
    """Keys a path may be stored under, most specific first: as given,
    normalised, absolute, relative to the working directory, basename."""
    norm = osp.normpath(path).replace('\\', '/')
    keys = [path, norm, osp.abspath(path)]
    try:
        keys.append(osp.relpath(path).replace('\\', '/'))
    except ValueError:  # another drive on Windows
        pass
    keys.append(osp.basename(path))
    return keys


class _KeyedBoxes(PatchSource):
    """Boxes looked up by image path (see :func:`_path_keys`), or by
    position for arrays when ``by_index``."""

    def __init__(self,
                 boxes: Mapping[str, np.ndarray],
                 where: str,
                 sizes: Optional[Mapping[str, Sequence[int]]] = None):
        self.boxes = {str(k).replace('\\', '/'): v for k, v in boxes.items()}
        self.sizes = sizes
        self.where = where
        names = {}
        for key in self.boxes:
            names.setdefault(osp.basename(key), []).append(key)
        self._by_name = names

    def _lookup(self, path: Optional[str], index: int) -> str:
        if path is None:
            raise DataError(
                f'{self.where} gives boxes by image path, but image {index} '
                'is an array: give the images as files, or explicit boxes '
                'per image (ExplicitBoxes with a list)')
        for key in _path_keys(path)[:-1]:
            if key in self.boxes:
                return key
        candidates = self._by_name.get(osp.basename(path), [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise DataError(
                f'{self.where}: image {path} matches several entries by file '
                f'name ({candidates[:3]}); key the boxes by the path as given')
        some = list(self.boxes)[:3]
        raise DataError(f'{self.where} has no boxes for image {path} (keys '
                        f'are image paths, e.g. {some}); add the image, or '
                        'use another patch source')

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        out = []
        for i, (img, path) in enumerate(zip(images, paths)):
            key = self._lookup(path, i)
            where = f'{self.where}, image {key!r}'
            boxes = as_scored_boxes(self.boxes[key], where)
            if self.sizes is not None and key in self.sizes:
                fh, fw = (int(v) for v in self.sizes[key])
                if (fh, fw) != tuple(img.shape[:2]):
                    raise DataError(
                        f'{where}: the file gives [h, w] = [{fh}, {fw}] but '
                        f'the image is {list(img.shape[:2])}; its boxes were '
                        'made on another image')
            check_inside(boxes, img, where)
            out.append(boxes)
        return out


class ExplicitBoxes(_KeyedBoxes):
    """Boxes given per image.

    Args:
        boxes (list | dict): one ``(N, 4)`` / ``(N, 5)`` array-like per
            image in call order (a list), or ``{image path: boxes}``
            (looked up by the path as given, normalised, absolute, relative
            to the working directory, then by file name). 4 columns = the
            given order is the ranking.
    """
    kind = 'boxes'

    def __init__(self, boxes: Union[Sequence, Mapping[str, Sequence]]):
        if isinstance(boxes, Mapping):
            super().__init__(boxes, 'explicit boxes')
            self.per_index = None
        else:
            self.per_index = list(boxes)
            self.where = 'explicit boxes'
        self.calls = 0

    @classmethod
    def from_json(cls, path: str) -> 'ExplicitBoxes':
        """``{"image path": [[x1, y1, x2, y2(, score)], ...], ...}`` from a
        JSON file."""
        import json
        check_file(path, 'boxes file')
        try:
            with open(path) as f:
                content = json.load(f)
        except ValueError as exc:
            raise DataError(f'boxes file {path} is not JSON: {exc}') from None
        if not isinstance(content, dict) or not content:
            raise DataError(
                f'boxes file {path} must be a non-empty JSON object '
                '{"image path": [[x1, y1, x2, y2(, score)], ...]}')
        src = cls(content)
        src.where = f'boxes file {path}'
        return src

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        if self.per_index is None:
            return super().__call__(images, paths)
        start = self.calls
        self.calls += len(images)
        if self.calls > len(self.per_index):
            raise DataError(
                f'explicit boxes were given for {len(self.per_index)} '
                f'images, but image {self.calls - 1} was asked for; give one '
                'box list per image')
        out = []
        for i, img in enumerate(images):
            where = f'explicit boxes of image {start + i}'
            boxes = as_scored_boxes(self.per_index[start + i], where)
            check_inside(boxes, img, where)
            out.append(boxes)
        return out

    def reset(self) -> None:
        """Start again at the first image (a list is consumed in order)."""
        self.calls = 0


class ProposalFileBoxes(_KeyedBoxes):
    """The boxes of a proposal file (``mmfg.datasets.proposals`` format,
    validated on load; version-2 image sizes are checked against the
    decoded images), looked up by image path."""
    kind = 'file'

    def __init__(self, path: str):
        from mmfg.datasets.proposals import read_proposal_file
        boxes, sizes = read_proposal_file(path)
        if not boxes:
            raise DataError(f'proposal file {path} holds no images')
        super().__init__(boxes, f'proposal file {path}', sizes)


class WholeImageBox(PatchSource):
    """One box, the whole image ``[0, 0, w, h, 1]``."""
    kind = 'whole'

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        return [
            np.array([[0, 0, img.shape[1], img.shape[0], 1]], np.float32)
            for img in images
        ]


def load_detector(config: str,
                  checkpoint: str,
                  device: str = 'cpu') -> 'BaseModel':
    """An MMDetection detector of ``config`` with the weights of
    ``checkpoint`` (read as data only by :func:`mmfg.apis.load_weights`:
    torch's ``weights_only=True`` with mmfg's allow-list), in eval mode;
    ``model.cfg`` is the config."""
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules as register_mmdet
    from mmengine.registry import DefaultScope

    check_file(str(config), 'detector config')
    check_file(str(checkpoint), 'detector checkpoint')
    register_mmdet(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'), \
            warnings.catch_warnings(record=True):
        # recorded, not shown: mmdet's 'checkpoint is None, use COCO
        # classes' (it resets the filters itself); the weights come next
        model = init_detector(str(config), None, device='cpu')
        load_weights(model, str(checkpoint), str(config))
    return model.to(device).eval()


class DetectorBoxes(PatchSource):
    """Boxes of a trained MMDetection detector
    (:func:`mmfg.proposals.detector.detect_boxes`: its own test pipeline on
    the original images, clipped, mmcv NMS, ``num_boxes`` best).

    Args:
        config (str): the detector config (e.g. ``configs/proposals/*.py``).
        checkpoint (str): its trained weights.
        num_boxes (int): boxes kept per image.
        nms_iou (float): NMS IoU threshold.
        device (str): where the detector runs.
    """
    kind = 'detector'

    def __init__(self,
                 config: str,
                 checkpoint: str,
                 num_boxes: int = 10,
                 nms_iou: float = 0.5,
                 device: str = 'cpu'):
        self.model = load_detector(config, checkpoint, device)
        self.num_boxes, self.nms_iou = num_boxes, nms_iou
        self.config = config

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        from mmfg.proposals.detector import detect_boxes
        return detect_boxes(self.model, images, self.num_boxes, self.nms_iou)

    def __repr__(self) -> str:
        return f'DetectorBoxes({self.config!r})'


class ClassifierBoxes(PatchSource):
    """CAM boxes or CS-parts of a trained classifier on new images.

    Each image goes through the classifier config's own test pipeline (as
    :class:`mmfg.apis.FGInferencer` does), the generator
    (:class:`mmfg.proposals.CAMBoxes` / :class:`~mmfg.proposals.CSParts`)
    gives boxes on the network input, and they are mapped back to the
    original image through the pipeline's geometry (resizes and crops:
    traced by a box through mmfg's coordinate-moving transforms).

    Args:
        config (str): the classifier config.
        checkpoint (str): its trained weights.
        method (str): ``'cam'`` or ``'cs-parts'``.
        svm_file (str, optional): ``cs-parts``: the SVM written by
            ``tools/proposals/pseudo_boxes.py --save-svm``; without one the
            SVM is fitted on ``svm_images`` images of the config's training
            split (as ``pseudo_boxes.py`` does).
        svm_images (int): see ``svm_file``.
        device (str): where the classifier runs.
        **kwargs: generator arguments (``num_boxes``, ``thresholds``,
            ``target_layer`` for CAM; ``num_parts``, ``sigma``,
            ``feature_layer`` for CS-parts).
    """
    METHODS = {'cam': 'CAMBoxes', 'cs-parts': 'CSParts'}

    def __init__(self,
                 config: str,
                 checkpoint: str,
                 method: str = 'cam',
                 svm_file: Optional[str] = None,
                 svm_images: int = 5000,
                 device: str = 'cpu',
                 **kwargs):
        from mmfg.proposals import build_generator
        from .image_pipeline import ImagePipeline, check_classifier_config
        from .model import init_model
        if method not in self.METHODS:
            raise ConfigError(f'unknown classifier patch method {method!r}; '
                              f'choose from {list(self.METHODS)}')
        self.kind, self.method = method, method
        model = init_model(config, checkpoint, device=device)
        check_classifier_config(model.cfg)
        self.pipeline = ImagePipeline(model.cfg)
        self.model = model
        if self.pipeline.needs_patches:
            raise ConfigError(
                f'{config} is itself a part/patch model; the {method} patch '
                'source needs a plain classifier (e.g. the global stream '
                'config the proposals stage used)')
        self.generator = build_generator(
            dict(type=self.METHODS[method], **kwargs), model=model)
        if method == 'cs-parts':
            if svm_file is not None:
                check_file(svm_file, 'CS-parts SVM file')
                self.generator.load_svm(svm_file)
            else:
                from mmfg.proposals.runner import build_split, fit_cs_parts
                fit_cs_parts(
                    self.generator,
                    model,
                    build_split(model.cfg, 'train', svm_images),
                    progress=False)
        self.config = config

    def __call__(self, images: Images, paths: Paths) -> List[np.ndarray]:
        from mmengine.dataset import default_collate

        from mmfg.proposals.boxes import rescale_boxes
        items, frames = [], []
        for img in images:
            item, frame = self.pipeline.run_pipeline(
                self.pipeline.load_results(img), trace=True)
            items.append(item)
            frames.append(frame)
        batch = default_collate(items)
        raw = torch.stack(list(batch['inputs']))
        model = self.model
        data = model.data_preprocessor(
            dict(inputs=list(raw), data_samples=batch['data_samples']), False)
        with torch.enable_grad():  # CAM / saliency need gradients
            boxes = self.generator(data['inputs'], raw)
        out = []
        for img, b, (x1, y1, sx, sy) in zip(images, boxes, frames):
            b = np.array(b, np.float32, copy=True).reshape(-1, 5)
            b[:, 0:4:2] -= x1
            b[:, 1:4:2] -= y1
            out.append(
                as_scored_boxes(
                    rescale_boxes(b, (
                        sx, sy), img.shape[:2]), f'{self.method} boxes'
                ) if len(b) else np.zeros((0, 5), np.float32))
        return [o[(o[:, 2] > o[:, 0]) & (o[:, 3] > o[:, 1])] for o in out]

    def __repr__(self) -> str:
        return f'ClassifierBoxes({self.config!r}, method={self.method!r})'


def patch_source_from_args(tokens: Sequence[str],
                           device: str = 'cpu') -> PatchSource:
    """Build a patch source from a ``--patches`` spec (see
    :data:`PATCHES_HELP`), e.g. ``['detector', 'det.py', 'det.pth']``.

    Raises:
        ConfigError: an unknown kind or the wrong number of arguments, in
            one line naming the grammar.
    """
    tokens = list(tokens or [])
    if not tokens or tokens[0] not in SOURCE_KINDS:
        got = tokens[0] if tokens else 'nothing'
        raise ConfigError(f'--patches: unknown source {got!r}; '
                          f'{PATCHES_HELP}')
    kind, args = tokens[0], tokens[1:]
    arity = {
        'detector': (2, ),
        'cam': (2, ),
        'cs-parts': (2, 3),
        'file': (1, ),
        'boxes': (1, ),
        'whole': (0, )
    }[kind]
    if len(args) not in arity:
        counts = ' or '.join(map(str, arity))
        raise ConfigError(f'--patches {kind} takes {counts} argument(s), '
                          f'got {len(args)} ({args}); {PATCHES_HELP}')
    if kind == 'detector':
        return DetectorBoxes(args[0], args[1], device=device)
    if kind in ('cam', 'cs-parts'):
        svm = args[2] if len(args) == 3 else None
        return ClassifierBoxes(
            args[0], args[1], method=kind, svm_file=svm, device=device)
    if kind == 'file':
        return ProposalFileBoxes(args[0])
    if kind == 'boxes':
        return ExplicitBoxes.from_json(args[0])
    return WholeImageBox()


def build_patch_source(spec: Union['PatchSource', Mapping, Sequence],
                       device: str = 'cpu') -> PatchSource:
    """A :class:`PatchSource` from what a user may pass as ``patches=``:
    a source, a ``--patches`` token list, a dict ``dict(type='detector',
    config=..., checkpoint=...)`` (types: the :data:`SOURCE_KINDS`; other
    keys are the source's arguments), a list of per-image boxes, or a
    ``{path: boxes}`` mapping."""
    if isinstance(spec, PatchSource):
        return spec
    if isinstance(spec, Mapping) and 'type' in spec:
        kw = dict(spec)
        kind = kw.pop('type')
        classes = {
            'detector': DetectorBoxes,
            'file': ProposalFileBoxes,
            'boxes': ExplicitBoxes,
            'whole': WholeImageBox
        }
        if kind in ('cam', 'cs-parts'):
            kw.setdefault('device', device)
            return ClassifierBoxes(method=kind, **kw)
        if kind not in classes:
            raise ConfigError(f'patches: unknown type {kind!r}; choose from '
                              f'{list(SOURCE_KINDS)}')
        if kind == 'detector':
            kw.setdefault('device', device)
        return classes[kind](**kw)
    if isinstance(spec, Mapping):
        return ExplicitBoxes(spec)
    if isinstance(spec, (list, tuple)) and spec and all(
            isinstance(t, str) for t in spec):
        return patch_source_from_args(spec, device)
    if isinstance(spec, (list, tuple)):
        return ExplicitBoxes(spec)
    raise ConfigError(f'patches: expected a patch source, a dict with a '
                      f'type, per-image boxes or a --patches token list; got '
                      f'{type(spec).__name__}')
