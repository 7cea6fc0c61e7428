"""Proposal files: part/patch boxes per image, loaded by any mmfg dataset.

Format (version 1), JSON (``.json``) or pickle (``.pkl`` / ``.pickle``),
read and written through :mod:`mmengine.fileio`::

    {
      "version": 1,
      "box_format": "xyxy",
      "proposals": {
        "images/001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg":
            [[x1, y1, x2, y2, score], ...],
        ...
      }
    }

* keys: the image path relative to the dataset's ``data_root`` with ``/``
  separators (for CIFAR, which has no image files: ``"<batch file>/<index
  in batch>"``, e.g. ``"test_batch/17"``). One file may cover several
  splits; images that are not in the dataset are ignored.
* boxes: pixels of the original image, ``x2 > x1 >= 0``, ``y2 > y1 >= 0``;
  ``score`` any finite number. The number of boxes may differ between
  images and may be zero (``[]``). In a pickle a box list may also be a
  numpy array of shape ``(N, 5)``.

A dataset given ``proposal_file=`` adds ``proposals`` (np.float32,
``(N, 5)``) to every item and fails with a DataError naming the file when
an image of the dataset has no entry or a box is malformed.
"""
import os
import os.path as osp

import numpy as np
from mmengine.fileio import dump, isfile, load

from mmfg.utils import DataError

PROPOSAL_FILE_VERSION = 1
BOX_FORMAT = 'xyxy'
FORMATS = {'.json': 'json', '.pkl': 'pickle', '.pickle': 'pickle'}
FORMAT_DOC = ('{"version": 1, "box_format": "xyxy", "proposals": '
              '{"<image path relative to data_root>": '
              '[[x1, y1, x2, y2, score], ...], ...}}')


def _file_format(path):
    ext = osp.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise DataError(f'proposal file {path}: unsupported extension '
                        f'{ext!r}; use one of {sorted(FORMATS)}')
    return FORMATS[ext]


def _error(path, msg):
    return DataError(f'proposal file {path}: {msg}. Expected {FORMAT_DOC} '
                     '(see mmfg/datasets/proposals.py)')


def as_boxes(boxes, key, path):
    """Validate the boxes of one image; returns np.float32 ``(N, 5)``.

    Raises:
        DataError: naming ``path``, the image ``key`` and the bad box.
    """
    try:
        arr = np.asarray(boxes)
    except ValueError:  # ragged nested lists
        arr = None
    if arr is not None and arr.size == 0:
        return np.zeros((0, 5), dtype=np.float32)
    if arr is None or arr.dtype.kind not in 'iuf' or arr.ndim != 2 \
            or arr.shape[1] != 5:
        bad = _first_non_box(boxes)
        raise _error(
            path, f'image {key!r}: box {bad} is not 5 numbers '
            '[x1, y1, x2, y2, score]')
    arr = arr.astype(np.float64)
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        i = int(np.argmin(finite))
        raise _error(
            path, f'image {key!r}: box {i} {arr[i].tolist()} has a '
            'non-finite value')
    negative = (arr[:, :4] < 0).any(axis=1)
    if negative.any():
        i = int(np.argmax(negative))
        raise _error(
            path, f'image {key!r}: box {i} {arr[i].tolist()} has a '
            'negative coordinate')
    empty = (arr[:, 2] <= arr[:, 0]) | (arr[:, 3] <= arr[:, 1])
    if empty.any():
        i = int(np.argmax(empty))
        raise _error(
            path, f'image {key!r}: box {i} {arr[i].tolist()} has '
            'x2 <= x1 or y2 <= y1')
    return arr.astype(np.float32)


def _first_non_box(boxes):
    """Index and value of the first element that is not 5 numbers."""
    try:
        items = list(boxes)
    except TypeError:
        return f'list {boxes!r}'
    for i, box in enumerate(items):
        try:
            values = list(box)
        except TypeError:
            return f'{i} ({box!r})'
        ok = len(values) == 5 and all(
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_)) for v in values)
        if not ok:
            return f'{i} ({values!r})'
    return f'list {boxes!r}'


def validate_proposals(content, path):
    """Check a loaded proposal file; returns ``{key: (N, 5) float32}``."""
    if not isinstance(content, dict):
        raise _error(
            path, f'the top level is a {type(content).__name__}, '
            'not a dict')
    if content.get('version') != PROPOSAL_FILE_VERSION:
        raise _error(
            path, f'version is {content.get("version")!r}, '
            f'expected {PROPOSAL_FILE_VERSION}')
    if content.get('box_format') != BOX_FORMAT:
        raise _error(
            path, f'box_format is {content.get("box_format")!r}, '
            f'expected {BOX_FORMAT!r}')
    props = content.get('proposals')
    if not isinstance(props, dict):
        raise _error(
            path, '"proposals" is missing or not a dict of image '
            'path -> boxes')
    return {
        str(key): as_boxes(boxes, key, path)
        for key, boxes in props.items()
    }


def _norm_key(key):
    key = str(key).replace('\\', '/')
    while key.startswith('./'):
        key = key[2:]
    return key


def load_proposal_file(path, img_keys=None, backend_args=None):
    """Load and validate a proposal file.

    Args:
        path (str): the ``.json`` / ``.pkl`` file.
        img_keys (list[str], optional): the dataset's image keys (paths
            relative to data_root). When given, every one must be in the
            file, and only those are returned.
        backend_args (dict, optional): arguments of the MMEngine file
            backend (the file may be on any storage backend).

    Returns:
        dict[str, np.ndarray]: key -> np.float32 ``(N, 5)`` boxes
        ``x1, y1, x2, y2, score``.

    Raises:
        FileNotFoundError: the file does not exist.
        DataError: malformed content, or images of the dataset missing.
    """
    if not isfile(path, backend_args=backend_args):
        raise FileNotFoundError(
            f'proposal file {path} not found. It is made by the proposal '
            'tools (see configs/proposals) or by '
            'mmfg.datasets.proposals.dump_proposal_file; format: '
            f'{FORMAT_DOC}')
    fmt = _file_format(path)
    try:
        content = load(path, file_format=fmt, backend_args=backend_args)
    except Exception as exc:  # noqa: BLE001 - json/pickle raise many types
        raise _error(
            path, f'cannot be read as {fmt} '
            f'({type(exc).__name__}: {exc})') from None
    props = {
        _norm_key(k): v
        for k, v in validate_proposals(content, path).items()
    }
    if img_keys is None:
        return props
    missing = [k for k in img_keys if _norm_key(k) not in props]
    if missing and len(missing) == len(img_keys) and img_keys:
        raise DataError(
            f'proposal file {path} does not match the dataset: none of its '
            f'{len(props)} keys (e.g. {list(props)[:2]}) is one of the '
            f'{len(img_keys)} images of the dataset (e.g. '
            f'{list(img_keys)[:2]}); it was made for another dataset, split '
            'or data_root. Make one for this dataset (configs/proposals, '
            'mmfg.datasets.proposals.dump_proposal_file) or give the '
            'dataset the proposal_file made for it')
    if missing:
        have = list(props)[:3]
        raise DataError(
            f'proposal file {path} has no proposals for {len(missing)} of '
            f'the {len(img_keys)} images of the dataset, e.g. '
            f'{missing[:3]}. Keys must be image paths relative to the '
            f'dataset\'s data_root; the file has keys like {have}')
    return {k: props[_norm_key(k)] for k in img_keys}


def dump_proposal_file(path, proposals, backend_args=None):
    """Write ``{key: boxes}`` as a version-1 proposal file.

    Args:
        path (str): output ``.json`` / ``.pkl``; folders are created.
        proposals (dict[str, array-like]): image key (path relative to
            data_root) -> ``(N, 5)`` boxes ``x1, y1, x2, y2, score``.
        backend_args (dict, optional): arguments of the MMEngine file
            backend to write with.

    Raises:
        DataError: a box is malformed (checked before writing).
    """
    fmt = _file_format(path)
    if not isinstance(proposals, dict):
        raise DataError(f'dump_proposal_file({path}): proposals must be a '
                        f'dict, got {type(proposals).__name__}')
    checked = {
        _norm_key(k): as_boxes(v, k, path)
        for k, v in proposals.items()
    }
    if fmt == 'json':
        body = {k: v.tolist() for k, v in checked.items()}
    else:
        body = checked
    content = dict(
        version=PROPOSAL_FILE_VERSION, box_format=BOX_FORMAT, proposals=body)
    if '://' not in path:  # local file: create its folder
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    dump(content, path, file_format=fmt, backend_args=backend_args)
