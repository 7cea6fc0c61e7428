"""Shared behaviour of the fine-grained (FGVC) dataset loaders.

Every loader in :mod:`mmfg.datasets` reads a dataset in its *official*
release layout and yields one dict per image:

* ``img_path`` (str): absolute path of the image (CIFAR: ``img``, an
  ``(H, W, 3)`` uint8 array instead),
* ``gt_label`` (int): 0-based class index,
* ``gt_bbox`` (np.float32, ``(4,)``): ``x1, y1, x2, y2`` of the object in
  pixels of the original image (datasets with boxes, ``with_bbox=True``),
* ``gt_parts`` (np.float32, ``(P, 3)``): ``x, y, visible`` per part in
  pixels of the original image, ``visible`` in {0, 1}; ``P`` is fixed per
  dataset (datasets with parts, ``with_parts=True``),
* ``proposals`` (np.float32, ``(N, 5)``): ``x1, y1, x2, y2, score`` from a
  proposal file (any dataset, ``proposal_file=``; see
  :mod:`mmfg.datasets.proposals`).

Missing or malformed files raise :class:`FileNotFoundError` or
:class:`~mmfg.utils.errors.DataError` naming the file (and the line), the
expected layout and how to prepare it. This module holds that machinery:
:class:`FGVCMixin` (split / options / file checks / proposals / classes),
:class:`FGVCDataset` (the mixin on mmpretrain's ``BaseDataset``),
:class:`AnnotationTable` (text annotation files with line numbers) and
helpers for MATLAB ``.mat`` files.
"""
import os
import os.path as osp
import posixpath

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset

from mmfg.utils.errors import ConfigError, DataError
from .proposals import load_proposal_file

MISSING_IMAGE_POLICIES = ('error', 'skip')


class FGVCMixin:
    """Common options and checks of the FGVC loaders.

    A subclass sets the class attributes below, calls :meth:`_setup_fgvc`
    first thing in ``__init__`` and returns ``self._finish(items)`` from
    ``load_data_list``.

    Class attributes:
        SPLITS (tuple[str]): the official splits.
        LAYOUT (str): the expected layout on one line (for error messages;
            the class docstring holds the full tree).
        PREPARE_HINT (str): how to obtain/prepare the data.
        CHECK_FILES (bool): default of ``check_files`` (``os.path.isfile``
            on every image at load time; off for very large sets).
        HAS_BBOX / HAS_PARTS (bool): the dataset has boxes / parts;
            ``with_bbox`` / ``with_parts`` default to these, and asking for
            them on a dataset without is a ValueError.
    """
    SPLITS = ('train', 'test')
    LAYOUT = ''
    PREPARE_HINT = 'See docs/datasets.md.'
    CHECK_FILES = True
    HAS_BBOX = False
    HAS_PARTS = False

    def _setup_fgvc(self, data_root, split, proposal_file=None,
                    check_files=None, missing_images='error',
                    with_bbox=None, with_parts=None):
        name = type(self).__name__
        for opt, value, has in (('with_bbox', with_bbox, self.HAS_BBOX),
                                ('with_parts', with_parts, self.HAS_PARTS)):
            if value and not has:
                raise ValueError(f'{name} has no {opt[5:]} annotations; '
                                 f'{opt}=True is not supported')
        if split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of '
                             f'{list(self.SPLITS)}, got {split!r}')
        if not isinstance(data_root, (str, os.PathLike)) or not str(
                data_root):
            raise ValueError(f'{name}: data_root must be a folder path, got '
                             f'{data_root!r}. Expected layout: {self.LAYOUT}')
        if missing_images not in MISSING_IMAGE_POLICIES:
            raise ValueError(f'{name}: missing_images must be one of '
                             f'{list(MISSING_IMAGE_POLICIES)}, got '
                             f'{missing_images!r}')
        self.split = split
        self.proposal_file = (None if proposal_file is None else
                              osp.abspath(osp.expanduser(proposal_file)))
        self.check_files = (self.CHECK_FILES
                            if check_files is None else bool(check_files))
        self.missing_images = missing_images
        self.with_bbox = self.HAS_BBOX if with_bbox is None else bool(
            with_bbox)
        self.with_parts = self.HAS_PARTS if with_parts is None else bool(
            with_parts)
        return osp.abspath(osp.expanduser(str(data_root)))

    # ----------------------------------------------------------- messages
    def _layout_msg(self):
        return (f'Expected layout under data_root: {self.LAYOUT}. '
                f'{self.PREPARE_HINT}')

    def _not_found(self, path, kind='file'):
        root = self.data_root
        name = type(self).__name__
        if not osp.isdir(root):
            where = f'data_root {root} does not exist or is not a folder'
        else:
            where = f'{kind} {path} not found'
        return FileNotFoundError(f'{name}: {where}. {self._layout_msg()}')

    def _require_file(self, *candidates):
        """Absolute path of the first existing file among ``candidates``
        (relative to data_root), else FileNotFoundError naming the first."""
        for rel in candidates:
            path = osp.join(self.data_root, rel)
            if osp.isfile(path):
                return path
        missing = osp.join(self.data_root, candidates[0])
        if len(candidates) > 1:
            missing += ' (or ' + ', '.join(candidates[1:]) + ')'
        raise self._not_found(missing)

    def _require_dir(self, rel):
        path = osp.join(self.data_root, rel)
        if not osp.isdir(path):
            raise self._not_found(path, 'image folder')
        return path

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
        to data_root with ``/`` separators (CIFAR: ``info['img_key']``)."""
        if 'img_key' in info:
            return info['img_key']
        rel = osp.relpath(info['img_path'], self.data_root)
        return rel.replace(os.sep, '/')

    def proposal_keys(self):
        """Proposal-file keys of all items, in dataset order."""
        return [self.proposal_key(self.get_data_info(i))
                for i in range(len(self))]

    def _finish(self, items):
        """Check image files, attach proposals; returns the data list."""
        if self.check_files:
            items = self._check_image_files(items)
        if self.proposal_file is not None:
            keys = [self.proposal_key(info) for info in items]
            proposals = load_proposal_file(self.proposal_file, keys)
            for info, key in zip(items, keys):
                info['proposals'] = proposals[key]
        return items

    def _check_image_files(self, items):
        missing = [i for i, info in enumerate(items)
                   if 'img_path' in info and not osp.isfile(info['img_path'])]
        if not missing:
            return items
        name = type(self).__name__
        first = ', '.join(items[i]['img_path'] for i in missing[:3])
        if self.missing_images == 'skip':
            MMLogger.get_current_instance().warning(
                f'{name}: skipping {len(missing)} of {len(items)} listed '
                f'images of split {self.split!r} that are not on disk, '
                f'e.g. {first}')
            gone = set(missing)
            return [info for i, info in enumerate(items) if i not in gone]
        if not osp.isdir(self.data_root):
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


class FGVCDataset(FGVCMixin, BaseDataset):
    """Base class of the FGVC loaders written on mmpretrain's BaseDataset.

    Args:
        data_root (str): the dataset folder (see the subclass docstring).
        split (str): one of ``SPLITS``.
        proposal_file (str, optional): proposal file (JSON or pickle, see
            :mod:`mmfg.datasets.proposals`); adds ``proposals`` to items.
        check_files (bool, optional): check every listed image exists at
            load time. Defaults to the class's ``CHECK_FILES``.
        missing_images (str): 'error' (default) or 'skip' (drop listed
            images that are not on disk, with a warning).
        with_bbox (bool, optional): parse boxes (``gt_bbox``); defaults to
            ``HAS_BBOX``. False skips parsing the box file.
        with_parts (bool, optional): parse part locations (``gt_parts``);
            defaults to ``HAS_PARTS``.
        test_mode (bool, optional): defaults to ``split in ('val',
            'test')``.
        **kwargs: the rest of :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``indices``, ``classes``, ``metainfo``, ...).
    """
    METAINFO = {}

    def __init__(self, data_root, split='train', proposal_file=None,
                 check_files=None, missing_images='error', test_mode=None,
                 with_bbox=None, with_parts=None, **kwargs):
        root = self._setup_fgvc(data_root, split, proposal_file,
                                check_files, missing_images, with_bbox,
                                with_parts)
        if test_mode is None:
            test_mode = split in ('val', 'test')
        super().__init__(ann_file='', data_root=root, test_mode=test_mode,
                         **kwargs)

    def load_data_list(self):
        return self._finish(self.load_items())

    def load_items(self):
        """Parse the official files; returns the list of item dicts."""
        raise NotImplementedError


# --------------------------------------------------------------------------
# Text annotation files
# --------------------------------------------------------------------------
class AnnotationTable:
    """A text annotation file split into fields, with line numbers kept for
    error messages.

    Args:
        path (str): the file.
        fmt (str): the expected line format, e.g. ``'<image_id> <class_id>'``
            (shown in errors).
        ncols (int | tuple[int, int]): number of fields per line (exact, or
            ``(min, max)``; max None = unbounded).
        maxsplit (int): split at most this many times (so that a last field
            may contain spaces, e.g. class names). -1: no limit.
        sep (str, optional): field separator; None = any whitespace.
        header (bool): the first line is a header (kept in ``header``).
        owner (str): dataset name used as message prefix.

    Attributes:
        rows (list[tuple[int, list[str]]]): (1-based line number, fields)
            of each non-blank line.
        header (list[str] | None)
    """

    def __init__(self, path, fmt, ncols, maxsplit=-1, sep=None,
                 header=False, owner=''):
        self.path, self.fmt, self.owner = path, fmt, owner
        lo, hi = (ncols, ncols) if isinstance(ncols, int) else ncols
        try:
            with open(path, encoding='utf-8') as f:
                lines = f.read().splitlines()
        except UnicodeDecodeError as exc:
            raise DataError(f'{self._prefix()}{path} is not a UTF-8 text '
                            f'file ({exc})') from None
        self.header = None
        self.rows = []
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if sep is None:
                fields = line.split(None, maxsplit)
            else:
                fields = [f.strip() for f in line.split(sep, maxsplit)]
            if header and self.header is None:
                self.header = fields
                continue
            if len(fields) < lo or (hi is not None and len(fields) > hi):
                raise self.error(lineno, f'expected {self._ncols(lo, hi)} '
                                 f'fields, got {len(fields)}: {line!r}')
            self.rows.append((lineno, fields))

    @staticmethod
    def _ncols(lo, hi):
        if lo == hi:
            return str(lo)
        return f'at least {lo}' if hi is None else f'{lo} to {hi}'

    def _prefix(self):
        return f'{self.owner}: ' if self.owner else ''

    def error(self, lineno, msg):
        """A DataError naming the file, the line and the expected format."""
        return DataError(f'{self._prefix()}{self.path}, line {lineno}: {msg}. '
                         f'Expected lines of the form "{self.fmt}"')

    def int(self, lineno, value, what):
        try:
            return int(value)
        except ValueError:
            raise self.error(lineno, f'{what} {value!r} is not an '
                             'integer') from None

    def float(self, lineno, value, what):
        try:
            out = float(value)
        except ValueError:
            out = float('nan')
        if not np.isfinite(out):
            raise self.error(lineno, f'{what} {value!r} is not a number')
        return out

    def by_key(self, col=0):
        """``{fields[col]: (lineno, fields)}``; a repeated key is an
        error."""
        out = {}
        for lineno, fields in self.rows:
            key = fields[col]
            if key in out:
                raise self.error(lineno, f'id {key} appears again (first on '
                                 f'line {out[key][0]})')
            out[key] = (lineno, fields)
        return out


def lookup(mapping, key, path, what, owner=''):
    """``mapping[key]`` or a DataError saying ``path`` lacks ``key``."""
    try:
        return mapping[key]
    except KeyError:
        prefix = f'{owner}: ' if owner else ''
        raise DataError(f'{prefix}{path} has no line for {what} {key}')


def xywh_to_xyxy(x, y, w, h):
    """CUB/NABirds boxes ``x, y, width, height`` -> ``x1, y1, x2, y2``
    (``x2 = x + w``, ``y2 = y + h``) as np.float32 ``(4,)``."""
    return np.array([x, y, x + w, y + h], dtype=np.float32)


def rel_join(root, *parts):
    """Join a path relative to ``root`` given with ``/`` separators."""
    return osp.join(root, *posixpath.join(*parts).split('/'))


# --------------------------------------------------------------------------
# MATLAB files (read with scipy.io.loadmat)
# --------------------------------------------------------------------------
def load_mat(path, owner=''):
    """``scipy.io.loadmat`` with a DataError naming the file."""
    from scipy.io import loadmat
    try:
        return loadmat(path)
    except Exception as exc:  # noqa: BLE001 - scipy raises many types
        prefix = f'{owner}: ' if owner else ''
        raise DataError(f'{prefix}{path} cannot be read as a MATLAB .mat '
                        f'file ({type(exc).__name__}: {exc})') from None


def mat_var(mat, key, path, owner=''):
    """``mat[key]`` or a DataError listing the variables the file has."""
    if key not in mat:
        names = sorted(k for k in mat if not k.startswith('__'))
        prefix = f'{owner}: ' if owner else ''
        raise DataError(f'{prefix}{path} has no variable {key!r} '
                        f'(it has {names})')
    return mat[key]


def mat_scalar(value):
    """Unwrap a MATLAB cell/array element down to a Python scalar/str."""
    while isinstance(value, np.ndarray):
        if value.size != 1:
            if value.dtype.kind == 'U' or value.size == 0:
                # char matrix / empty string
                return ''.join(value.ravel().tolist())
            raise ValueError(f'expected one value, got an array of shape '
                             f'{value.shape}')
        value = value.ravel()[0]
    if isinstance(value, np.generic):
        value = value.item()
    return value


def mat_list(value):
    """A MATLAB vector / cell vector as a flat Python list of scalars."""
    return [mat_scalar(v) for v in np.asarray(value).ravel()]


def mat_struct_records(value, fields, path, owner=''):
    """A MATLAB struct array as a list of dicts of the given fields."""
    arr = np.asarray(value)
    prefix = f'{owner}: ' if owner else ''
    names = arr.dtype.names or ()
    missing = [f for f in fields if f not in names]
    if missing:
        raise DataError(f'{prefix}{path}: the struct array has no field(s) '
                        f'{missing} (it has {list(names)})')
    out = []
    for i, rec in enumerate(arr.ravel()):
        try:
            out.append({f: mat_scalar(rec[f]) for f in fields})
        except ValueError as exc:
            raise DataError(f'{prefix}{path}: element {i + 1} of the struct '
                            f'array is malformed ({exc})') from None
    return out
