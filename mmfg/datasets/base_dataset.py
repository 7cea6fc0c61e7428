"""The base class of mmfg's dataset loaders.

Every loader in :mod:`mmfg.datasets` reads a dataset in its *official*
release layout and yields one dict per image:

* ``img_path`` (str): path (or backend URI) of the image (CIFAR, MNIST:
  ``img``, an ``(H, W[, 3])`` uint8 array instead, and ``img_key``),
* ``gt_label`` (int): 0-based class index,
* ``gt_bboxes`` (np.float32, ``(M, 4)``): ``x1, y1, x2, y2`` of the
  object(s) in pixels of the original image, M = 1 except for Stanford
  Dogs (one box per dog) (datasets with boxes, ``with_bbox=True``),
* ``gt_keypoints`` (np.float32, ``(1, P, 3)``): ``x, y, visible`` of the
  object's P parts in pixels of the original image, ``visible`` in
  {0, 1}; ``P`` is fixed per dataset (datasets with parts,
  ``with_parts=True``),
* ``proposals`` (np.float32, ``(N, 5)``): ``x1, y1, x2, y2, score`` from a
  proposal file (any dataset, ``proposal_file=``; see
  :mod:`mmfg.datasets.proposals`).

``gt_bboxes`` and ``gt_keypoints`` are the fields (and the layouts) of
MMCV's ``LoadAnnotations``, so MMCV's ``Resize``, ``RandomFlip``,
``CenterCrop`` ... move them with the image; see
:mod:`mmfg.datasets.transforms.coords`.

Missing or malformed files raise :class:`FileNotFoundError` or
:class:`~mmfg.utils.DataError` naming the file (and the line), the expected
layout and how to prepare it. Every file is read through
:mod:`mmengine.fileio` with the dataset's ``backend_args``, so the data may
live on any MMEngine storage backend (give ``LoadImageFromFile`` the same
``backend_args``).
"""
import os
import os.path as osp
import posixpath
from typing import Optional

from mmengine.fileio import get_file_backend, isdir, isfile, join_path
from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset

from mmfg.utils import ConfigError, DataError
from .annotation_table import AnnotationTable
from .mat_files import load_mat
from .proposals import (EMPTY_POLICIES, PROPOSAL_FILE_KEY, PROPOSAL_SIZE_KEY,
                        check_proposal_size, load_proposal_file)

MISSING_IMAGE_POLICIES = ('error', 'skip')
#: item key of an item's annotation source (``"<file>, line N"``), set by
#: the loaders for messages and removed by :meth:`FGVCDataset._finish`
SOURCE_KEY = '_source'


def is_uri(path):
    """True for ``s3://...``-style paths of a remote storage backend."""
    return '://' in str(path)


def normalize_root(data_root):
    """An absolute local folder (``~`` expanded), or a backend URI
    without its trailing ``/``."""
    data_root = str(data_root)
    if is_uri(data_root):
        return data_root.rstrip('/')
    return osp.abspath(osp.expanduser(data_root))


def rel_join(root, *parts, backend_args=None):
    """Join a path relative to ``root`` given with ``/`` separators."""
    rel = posixpath.join(*parts).split('/')
    return join_path(root, *rel, backend_args=backend_args)


class FGVCDataset(BaseDataset):
    """Base class of the mmfg loaders (on mmpretrain's ``BaseDataset``).

    A loader sets the class attributes below and implements
    :meth:`load_items`; this class does the rest (options, split check,
    file checks, proposals, class names, messages). A loader of a dataset
    that mmpretrain also has lists mmpretrain's class as its second base
    (``class CUB(FGVCDataset, mmpretrain.datasets.CUB)``): it is then an
    instance of it and keeps its name, but is initialised and loaded by
    this class (mmpretrain's ``__init__`` checks the layout with bare
    asserts / RuntimeErrors and is skipped).

    Class attributes:
        SPLITS (tuple[str]): the official splits.
        DEFAULT_SPLIT (str): default of ``split``.
        LAYOUT (str): the expected layout on one line (for error messages;
            the class docstring holds the full tree).
        PREPARE_HINT (str): how to obtain/prepare the data.
        CHECK_FILES (bool): default of ``check_files`` (``isfile`` on every
            image at load time; off for very large sets).
        HAS_BBOX / HAS_PARTS (bool): the dataset has boxes / parts;
            ``with_bbox`` / ``with_parts`` default to these, and asking for
            them on a dataset without is a ValueError.

    Args:
        data_root (str): the dataset folder (see the subclass docstring); a
            local path or a URI of an MMEngine storage backend.
        split (str): one of ``SPLITS``.
        proposal_file (str, optional): proposal file (JSON or pickle, see
            :mod:`mmfg.datasets.proposals`); adds ``proposals`` to items.
        proposal_empty (str): what an image with no boxes in the proposal
            file gets: 'keep' (default: no boxes; ``PartCrops`` gives blank
            crops with ``part_valid = False``), 'whole_image' (the whole
            image box, score 0; version-2 files, which hold image sizes) or
            'error' (refuse the file).
        check_files (bool, optional): check every listed image exists at
            load time. Defaults to the class's ``CHECK_FILES``.
        missing_images (str): 'error' (default) or 'skip' (drop listed
            images that are not on disk, with a warning).
        test_mode (bool, optional): defaults to ``split in ('val',
            'test')``.
        with_bbox (bool, optional): parse boxes (``gt_bboxes``); defaults
            to ``HAS_BBOX``. False skips parsing the box file.
        with_parts (bool, optional): parse part locations
            (``gt_keypoints``); defaults to ``HAS_PARTS``.
        backend_args (dict, optional): arguments of the MMEngine file
            backend every annotation file is read with (e.g.
            ``dict(backend='petrel')``). Defaults to None (inferred from
            ``data_root``).
        allow_paths_outside_root (bool): accept image (and annotation)
            paths of the annotation files that lead outside ``data_root``.
            Defaults to False: such a path (``../../etc/hostname``, an
            absolute path, or a symbolic link inside ``data_root`` pointing
            elsewhere; judged on the resolved paths of local data) is a
            DataError naming the file, the line and the path.
        **kwargs: the rest of :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``indices``, ``classes``, ``metainfo``, ...).
    """
    METAINFO = {}
    SPLITS = ('train', 'test')
    DEFAULT_SPLIT = 'train'
    LAYOUT = ''
    PREPARE_HINT = 'See docs/datasets.md.'
    CHECK_FILES = True
    HAS_BBOX = False
    HAS_PARTS = False
    #: ``(h, w)`` of every image of a dataset whose images all have one size
    #: (the in-memory idx / CIFAR datasets); None for image-file datasets
    IMAGE_SIZE = None

    @classmethod
    def image_size_of(cls, ds_cfg: dict):
        """``(h, w)`` of every image of the dataset built from ``ds_cfg``
        (a dataset config dict), or None when images differ in size. The
        inferencer resizes new images to it when the config's pipeline
        expects the dataset's size without resizing."""
        return cls.IMAGE_SIZE

    def __init__(self,
                 data_root: str,
                 split: Optional[str] = None,
                 proposal_file: Optional[str] = None,
                 check_files: Optional[bool] = None,
                 missing_images: str = 'error',
                 test_mode: Optional[bool] = None,
                 with_bbox: Optional[bool] = None,
                 with_parts: Optional[bool] = None,
                 backend_args: Optional[dict] = None,
                 proposal_empty: str = 'keep',
                 allow_paths_outside_root: bool = False,
                 **kwargs) -> None:
        name = type(self).__name__
        split = self.DEFAULT_SPLIT if split is None else split
        for opt, value, has in (('with_bbox', with_bbox, self.HAS_BBOX),
                                ('with_parts', with_parts, self.HAS_PARTS)):
            if value and not has:
                raise ValueError(f'{name} has no {opt[5:]} annotations; '
                                 f'{opt}=True is not supported')
        if split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of '
                             f'{list(self.SPLITS)}, got {split!r}')
        if not isinstance(data_root, (str, os.PathLike)) or not str(data_root):
            raise ValueError(f'{name}: data_root must be a folder path, got '
                             f'{data_root!r}. Expected layout: {self.LAYOUT}')
        if missing_images not in MISSING_IMAGE_POLICIES:
            raise ValueError(f'{name}: missing_images must be one of '
                             f'{list(MISSING_IMAGE_POLICIES)}, got '
                             f'{missing_images!r}')
        if proposal_empty not in EMPTY_POLICIES:
            raise ValueError(f'{name}: proposal_empty must be one of '
                             f'{list(EMPTY_POLICIES)}, got {proposal_empty!r}')
        self.proposal_empty = proposal_empty
        self.allow_paths_outside_root = bool(allow_paths_outside_root)
        self._real_dirs, self._real_root = {}, None
        # annotation files read (named when a split turns out empty)
        self._files_read = []
        self.split = split
        self.backend_args = backend_args
        self.proposal_file = (None if proposal_file is None else
                              normalize_root(proposal_file))
        self.check_files = (
            self.CHECK_FILES if check_files is None else bool(check_files))
        self.missing_images = missing_images
        self.with_bbox = self.HAS_BBOX if with_bbox is None else bool(
            with_bbox)
        self.with_parts = self.HAS_PARTS if with_parts is None else bool(
            with_parts)
        root = normalize_root(data_root)
        # what mmpretrain's dataset classes keep as ``self.backend``
        self.backend = get_file_backend(root, backend_args=backend_args)
        if test_mode is None:
            test_mode = split in ('val', 'test')
        # mmpretrain's BaseDataset, also when an mmpretrain dataset class
        # is the next base (see the class docstring)
        BaseDataset.__init__(
            self, ann_file='', data_root=root, test_mode=test_mode, **kwargs)

    # ------------------------------------------------------------- loading
    def load_data_list(self):
        return self._finish(self.load_items())

    def load_items(self):
        """Parse the official files; returns the list of item dicts."""
        raise NotImplementedError

    # --------------------------------------------------------------- files
    def _note_file(self, path):
        """Remember an annotation file read (for the empty-split
        message)."""
        if path not in self._files_read:
            self._files_read.append(path)
        return path

    def _path(self, rel):
        """``rel`` (``/``-separated, relative to data_root) as a path."""
        return rel_join(self.data_root, rel, backend_args=self.backend_args)

    def _table(self, path, fmt, ncols, **kwargs):
        """An :class:`AnnotationTable` of ``path`` read with this dataset's
        backend (``kwargs``: ``maxsplit``, ``sep``, ``header``)."""
        self._note_file(path)
        return AnnotationTable(
            path,
            fmt,
            ncols,
            owner=type(self).__name__,
            backend_args=self.backend_args,
            **kwargs)

    def _load_mat(self, path):
        """The ``.mat`` file ``path`` read with this dataset's backend."""
        self._note_file(path)
        return load_mat(path, type(self).__name__, self.backend_args)

    def _isfile(self, path):
        return isfile(path, backend_args=self.backend_args)

    def _isdir(self, path):
        return isdir(path, backend_args=self.backend_args)

    # ----------------------------------------------------------- messages
    def _layout_msg(self):
        return (f'Expected layout under data_root: {self.LAYOUT}. '
                f'{self.PREPARE_HINT}')

    def _not_found(self, path, kind='file'):
        root = self.data_root
        name = type(self).__name__
        if not self._isdir(root):
            where = f'data_root {root} does not exist or is not a folder'
        else:
            where = f'{kind} {path} not found'
        return FileNotFoundError(f'{name}: {where}. {self._layout_msg()}')

    def _require_file(self, *candidates):
        """Path of the first existing file among ``candidates`` (relative
        to data_root), else FileNotFoundError naming the first."""
        for rel in candidates:
            path = self._path(rel)
            if self._isfile(path):
                return self._note_file(path)
        missing = self._path(candidates[0])
        if len(candidates) > 1:
            missing += ' (or ' + ', '.join(candidates[1:]) + ')'
        raise self._not_found(missing)

    def _require_dir(self, rel):
        path = self._path(rel)
        if not self._isdir(path):
            raise self._not_found(path, 'image folder')
        return self._note_file(path)

    def _data_error(self, path, msg):
        return DataError(f'{type(self).__name__}: {path}: {msg}. '
                         f'{self._layout_msg()}')

    # ------------------------------------------------------------ classes
    def _set_classes(self, names):
        """Record the dataset's class names unless the user gave some (then
        only their number is checked)."""
        names = tuple(str(n) for n in names)
        given = self._metainfo.get('classes')
        if given is None:
            self._metainfo['classes'] = names
        elif len(given) != len(names):
            raise ConfigError(
                f'{type(self).__name__}: {len(given)} class names were given '
                f'(classes=/metainfo=) but the dataset at {self.data_root} '
                f'has {len(names)} classes')

    # -------------------------------------------------------- post-process
    def proposal_key(self, info):
        """Key of a data item in a proposal file: the image path relative
        to data_root with ``/`` separators (CIFAR, MNIST:
        ``info['img_key']``)."""
        if 'img_key' in info:
            return info['img_key']
        path, root = info['img_path'], self.data_root
        if is_uri(root):
            return path[len(root):].lstrip('/')
        return osp.relpath(path, root).replace(os.sep, '/')

    def proposal_keys(self):
        """Proposal-file keys of all items, in dataset order."""
        return [
            self.proposal_key(self.get_data_info(i)) for i in range(len(self))
        ]

    def _finish(self, items):
        """Check the list (not empty, every path inside data_root and
        listed once), the image files, attach proposals; returns the data
        list. Loaders may give an item ``SOURCE_KEY`` (``"<file>, line N"``)
        for the messages; it is removed here."""
        sources = [info.pop(SOURCE_KEY, None) for info in items]
        if not items:
            raise self._empty_split_error()
        self._check_paths(items, sources)
        if self.check_files:
            items = self._check_image_files(items)
        if self.proposal_file is not None:
            keys = [self.proposal_key(info) for info in items]
            proposals, sizes = load_proposal_file(
                self.proposal_file,
                keys,
                backend_args=self.backend_args,
                empty=self.proposal_empty,
                return_sizes=True)
            for info, key in zip(items, keys):
                info['proposals'] = proposals[key]
                info[PROPOSAL_FILE_KEY] = self.proposal_file
                if sizes is not None:
                    info[PROPOSAL_SIZE_KEY] = sizes[key]
                    if 'img' in info:  # in-memory images: check now
                        check_proposal_size(info, info['img'].shape[:2])
        return items

    # ----------------------------------------------------------- integrity
    def _empty_split_error(self):
        name = type(self).__name__
        read = ', '.join(self._files_read) or self.data_root
        return DataError(
            f'{name}: split {self.split!r} has no images (read: {read}). '
            'Check that these files are complete (not truncated or '
            'emptied) and list images of this split, and that the split is '
            f'the one meant (one of {list(self.SPLITS)}). '
            f'{self._layout_msg()}')

    def _resolve(self, path):
        """Resolved local path (symbolic links followed; the real path of
        each folder cached), or the normalised URI."""
        if is_uri(path):
            scheme, _, rest = str(path).partition('://')
            return f'{scheme}://{posixpath.normpath(rest)}'
        path = str(path)
        if not osp.isabs(path):
            path = osp.join(os.getcwd(), path)
        # no lexical normalisation first: ``link/..`` is the parent of the
        # link's target, which only realpath knows
        folder, name = osp.split(path)
        real = self._real_dirs.get(folder)
        if real is None:
            real = self._real_dirs[folder] = osp.realpath(folder)
        if name in ('', '.', '..'):
            return osp.realpath(path)
        full = osp.join(real, name)
        return osp.realpath(full) if osp.islink(full) else full

    def _inside_root(self, resolved):
        root = self._resolve_root()
        if resolved == root:
            return True
        sep = '/' if is_uri(root) else os.sep
        return resolved.startswith(root.rstrip(sep) + sep)

    def _resolve_root(self):
        if self._real_root is None:
            root = self.data_root
            self._real_root = (
                self._resolve(root) if is_uri(root) else osp.realpath(root))
        return self._real_root

    def check_inside_root(self, path, where):
        """``path`` resolved; a DataError naming ``where`` (the file and
        line) when it leads outside data_root, unless the dataset has
        ``allow_paths_outside_root=True``."""
        resolved = self._resolve(path)
        if not self.allow_paths_outside_root and \
                not self._inside_root(resolved):
            shown = osp.normpath(path) if not is_uri(path) else resolved
            via = '' if resolved == shown else f' (it resolves to {resolved})'
            raise DataError(
                f'{type(self).__name__}: {where}: path {path} leads outside '
                f'data_root {self.data_root}{via}; the annotation files must '
                'name files inside the dataset folder. Fix that entry, or '
                'pass allow_paths_outside_root=True to the dataset if the '
                'files really live elsewhere')
        return resolved

    def _check_paths(self, items, sources):
        """Every ``img_path`` inside data_root and listed once."""
        self._real_dirs, self._real_root = {}, None
        try:
            first = {}
            for i, info in enumerate(items):
                path = info.get('img_path')
                if path is None:
                    continue
                where = sources[i] or f'split {self.split!r}, item {i}'
                resolved = self.check_inside_root(path, where)
                if resolved in first:
                    j = first[resolved]
                    other = sources[j] or f'item {j}'
                    raise DataError(
                        f'{type(self).__name__}: image {path} is listed '
                        f'twice for split {self.split!r}: {other} and '
                        f'{where}; every image must be listed once (a '
                        'repeat counts it twice and can give it another '
                        'label): remove one of them')
                first[resolved] = i
        finally:
            self._real_dirs = {}

    def _check_image_files(self, items):
        missing = [
            i for i, info in enumerate(items)
            if 'img_path' in info and not self._isfile(info['img_path'])
        ]
        if not missing:
            return items
        name = type(self).__name__
        first = ', '.join(items[i]['img_path'] for i in missing[:3])
        if self.missing_images == 'skip':
            if len(missing) == len(items):
                raise FileNotFoundError(
                    f'{name}: none of the {len(items)} images listed for '
                    f'split {self.split!r} is on disk (missing_images='
                    f'"skip" would leave no image), e.g. {first}. '
                    f'{self._layout_msg()}')
            MMLogger.get_current_instance().warning(
                f'{name}: skipping {len(missing)} of {len(items)} listed '
                f'images of split {self.split!r} that are not on disk, '
                f'e.g. {first}')
            gone = set(missing)
            return [info for i, info in enumerate(items) if i not in gone]
        if not self._isdir(self.data_root):
            raise self._not_found(self.data_root)
        raise FileNotFoundError(
            f'{name}: {len(missing)} of the {len(items)} images listed for '
            f'split {self.split!r} are missing, e.g. {first}. '
            f'{self._layout_msg()} Pass missing_images="skip" to drop them '
            'or check_files=False to skip this check.')

    def extra_repr(self):
        body = [f'Split: \t{self.split}', f'Data root: \t{self.data_root}']
        if self.proposal_file:
            body.append(f'Proposal file: \t{self.proposal_file}')
        return body
