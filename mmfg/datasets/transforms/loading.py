"""Image loading that names the file and the dataset when an image cannot
be read, and can skip such images in a long training run.

MMCV's ``LoadImageFromFile`` fails on an undecodable file with
``AssertionError: failed to load image`` deep in a DataLoader worker (or,
with ``ignore_empty=True``, skips it silently). The mmfg version (same name
in the ``mmfg`` scope, same arguments) raises a
:class:`~mmfg.utils.errors.DataError` naming the file, the dataset and the
fix; with ``skip_bad_images=True`` (or the top-level config key
``skip_bad_images = True``, which :class:`~mmfg.engine.FGRunner` applies to
the training pipeline with :func:`skip_bad_images_in`) a training set skips
the image instead (the dataset draws another one), counts it, and
:class:`~mmfg.engine.BadImageReportHook` reports the count after every
epoch. Validation and test sets never skip: their metrics would be
computed on a different set of images.

After decoding, the annotations of the item are checked against the decoded
image (:func:`~mmfg.datasets.transforms.coords.check_inside_decoded`):
``image_sizes`` of a version-2 proposal file that differ from it, and boxes
or visible parts outside it, are a DataError (never skipped: the image is
fine, its annotation is not).
"""
import multiprocessing
import os.path as osp
from typing import Optional

from mmcv.transforms import LoadImageFromFile as _MMCVLoadImageFromFile
from mmengine.logging import print_log

from mmfg.registry import TRANSFORMS
from mmfg.utils.errors import DataError
from .coords import check_inside_decoded


@TRANSFORMS.register_module()
class LoadImageFromFile(_MMCVLoadImageFromFile):
    """MMCV's ``LoadImageFromFile`` with clear errors.

    Args:
        skip_bad_images (bool): in a training set, skip (and count) images
            that cannot be read or decoded instead of stopping the run.
            Defaults to False.
        **kwargs: MMCV's arguments (``color_type``, ``imdecode_backend``,
            ``backend_args``, ``to_float32``, ``ignore_empty``).

    Attributes:
        dataset_name (str | None): set by :class:`~mmfg.engine.FGRunner`
            (``"CUB (data/CUB_200_2011)"``), used in the messages.
        test_mode (bool): the dataset's ``test_mode``; never skip when set.
    """

    def __init__(self, *args, skip_bad_images: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dataset_name = None
        self.test_mode = False
        self._skipped = None
        self.skip_bad_images = False
        if skip_bad_images:
            self.enable_skipping()

    def enable_skipping(self):
        """Turn ``skip_bad_images`` on; call it in the main process before
        the DataLoader starts its workers (the counter is shared memory)."""
        self.skip_bad_images = True
        if self._skipped is None:
            self._skipped = multiprocessing.Value('i', 0)

    @property
    def skipped(self):
        """Images skipped so far, in all DataLoader workers."""
        return 0 if self._skipped is None else self._skipped.value

    def transform(self, results: dict) -> Optional[dict]:
        """Decode the image, then check the annotations against it
        (:func:`~mmfg.datasets.transforms.coords.check_inside_decoded`:
        proposal-file image sizes, boxes and visible parts outside the
        image are refused, never skipped)."""
        try:
            out = super().transform(results)
        except AssertionError:
            reason = 'cannot be decoded as an image'
        except FileNotFoundError:
            return self._bad_image(
                results.get('img_path'), 'does not exist', FileNotFoundError)
        except Exception as exc:  # noqa: BLE001 - decoders raise many types
            reason = (f'cannot be read ({type(exc).__name__}: '
                      f'{" ".join(str(exc).split())[:200]})')
        else:
            if out is not None:
                check_inside_decoded(out, self.dataset_name)
            return out
        return self._bad_image(results.get('img_path'), reason)

    def _bad_image(self, path, reason, error=DataError):
        """Skip (training with ``skip_bad_images``) or raise ``error``
        (a missing file stays a ``FileNotFoundError``)."""
        where = f' of dataset {self.dataset_name}' if self.dataset_name \
            else ''
        try:
            size = f' ({osp.getsize(path)} bytes)'
        except (OSError, TypeError):
            size = ''
        if self.skip_bad_images and not self.test_mode:
            with self._skipped.get_lock():
                self._skipped.value += 1
            print_log(
                f'skip_bad_images: skipped image {path}{where}{size}: it '
                f'{reason}',
                logger='current',
                level=30)
            return None
        if self.test_mode:
            fix = ('replace the file or remove it from the annotation (a '
                   'validation/test set never skips images)')
        else:
            fix = ('replace the file or remove it from the annotation, or '
                   'set skip_bad_images = True in the config (--cfg-options '
                   'skip_bad_images=True) to skip and count such images')
        raise error(f'image {path}{where}{size} {reason}: {fix}')


def _datasets(dataset):
    """``dataset`` and the datasets it wraps (Concat/Repeat/ClassBalanced)."""
    yield dataset
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        yield from _datasets(inner)
    for sub in getattr(dataset, 'datasets', None) or []:
        yield from _datasets(sub)


def _loaders(dataset):
    for ds in _datasets(dataset):
        pipeline = getattr(ds, 'pipeline', None)
        for t in getattr(pipeline, 'transforms', None) or []:
            if isinstance(t, LoadImageFromFile):
                yield ds, t


def bad_image_loaders(dataset):
    """The mmfg ``LoadImageFromFile`` transforms of ``dataset`` that skip
    bad images."""
    return [t for _, t in _loaders(dataset) if t.skip_bad_images]


def skip_bad_images_in(dataloader_cfg):
    """Make every ``LoadImageFromFile`` of the dataset config in
    ``dataloader_cfg`` (a dict, changed in place, before the loader is
    built) mmfg's with ``skip_bad_images=True``; return False when
    ``dataloader_cfg`` is not a config dict (an already built loader)."""
    if not isinstance(dataloader_cfg, dict):
        return False

    def walk(node):
        if isinstance(node, dict):
            for t in node.get('pipeline') or []:
                if isinstance(t, dict) and str(t.get(
                        'type', '')).split('.')[-1] == 'LoadImageFromFile':
                    t['type'] = 'mmfg.LoadImageFromFile'
                    t['skip_bad_images'] = True
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(dataloader_cfg.get('dataset'))
    return True


def tag_image_loaders(dataset):
    """Tell the ``LoadImageFromFile`` transforms of ``dataset`` its name and
    ``test_mode`` (for their messages)."""
    for ds, t in _loaders(dataset):
        root = getattr(ds, 'data_root', None)
        t.dataset_name = type(ds).__name__ + (f' ({root})' if root else '')
        t.test_mode = bool(getattr(ds, 'test_mode', False))
