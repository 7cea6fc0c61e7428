"""Proposal files: part/patch boxes per image, loaded by any mmfg dataset.

Format (version 2; version 1 files still load), JSON (``.json``) or pickle
(``.pkl`` / ``.pickle``), read and written through :mod:`mmengine.fileio`.
A pickle is read as data only (:mod:`mmfg.utils.safe_pickle`: builtin
containers and scalars, numpy arrays; a file naming anything else is
refused, so it cannot run code)::

    {
      "version": 2,
      "box_format": "xyxy",
      "proposals": {
        "images/001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg":
            [[x1, y1, x2, y2, score], ...],
        ...
      },
      "image_sizes": {
        "images/001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg":
            [h, w],
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
* ``image_sizes`` (version 2 only, required there): ``[h, w]`` of the image
  the boxes of that key refer to (the original image), one entry per key of
  ``proposals``. Every box must lie inside it (``x2 <= w``, ``y2 <= h``, a
  tolerance of 1e-3 px for float rounding); a box outside is refused with
  the image, the box and the size. Version 1 files have no sizes and only
  the checks above.

Empty entries (``[]``): by default kept (``(0, 5)``; ``PartCrops`` then
makes blank crops with ``part_valid = False``). ``empty='whole_image'``
(:func:`load_proposal_file`, needs a version-2 file) replaces each by the
one box ``[0, 0, w, h, 0]``, ``empty='error'`` refuses them.

A dataset given ``proposal_file=`` adds ``proposals`` (np.float32,
``(N, 5)``) to every item and fails with a DataError naming the file when
an image of the dataset has no entry, a box is malformed or out of its
image, or none of the file's keys is an image of the dataset (a file made
for another dataset, split or data_root).
"""
import os
import os.path as osp

import numpy as np
from mmengine.fileio import dump, get, isfile, load

from mmfg.utils import DataError

PROPOSAL_FILE_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)
BOX_FORMAT = 'xyxy'
FORMATS = {'.json': 'json', '.pkl': 'pickle', '.pickle': 'pickle'}
FORMAT_DOC = ('{"version": 2, "box_format": "xyxy", "proposals": '
              '{"<image path relative to data_root>": '
              '[[x1, y1, x2, y2, score], ...], ...}, "image_sizes": '
              '{"<image path relative to data_root>": [h, w], ...}} '
              '(version 1: the same without "image_sizes")')
#: how boxes may exceed their image size (float rounding), in pixels
SIZE_TOLERANCE = 1e-3
EMPTY_POLICIES = ('keep', 'whole_image', 'error')
#: data-item keys a dataset adds with a version-2 file: the ``(h, w)`` the
#: file gives for the image, and the file (checked against the decoded
#: image by :func:`check_proposal_size`)
PROPOSAL_SIZE_KEY = 'proposal_image_size'
PROPOSAL_FILE_KEY = 'proposal_file'


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


def _as_size(size, key, path):
    """``[h, w]`` of one image -> (h, w) floats > 0."""
    try:
        h, w = (float(v) for v in size)
        ok = (
            np.isfinite([h, w]).all() and h > 0 and w > 0
            and not isinstance(size, (str, bytes)))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise _error(
            path, f'image {key!r}: image_sizes entry {size!r} is not '
            '[h, w] with h, w > 0')
    return h, w


def _check_inside(boxes, size, key, path):
    """Refuse a box that leaves its ``(h, w)`` image."""
    h, w = size
    outside = ((boxes[:, 2] > w + SIZE_TOLERANCE) |
               (boxes[:, 3] > h + SIZE_TOLERANCE))
    if outside.any():
        i = int(np.argmax(outside))
        raise _error(
            path, f'image {key!r}: box {i} {boxes[i].tolist()} is outside '
            f'the image of size [h, w] = [{h:g}, {w:g}] given in '
            'image_sizes (boxes must be in pixels of that image; rescale '
            'boxes made on a resized input)')


def validate_proposal_content(content, path):
    """Check a loaded proposal file (version 1 or 2).

    Returns:
        tuple: ``{key: (N, 5) float32}`` boxes and ``{key: (h, w)}`` image
        sizes (None for a version-1 file).
    """
    if not isinstance(content, dict):
        raise _error(
            path, f'the top level is a {type(content).__name__}, '
            'not a dict')
    version = content.get('version')
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        raise _error(
            path, f'version is {version!r}, expected one of '
            f'{list(SUPPORTED_VERSIONS)}')
    if content.get('box_format') != BOX_FORMAT:
        raise _error(
            path, f'box_format is {content.get("box_format")!r}, '
            f'expected {BOX_FORMAT!r}')
    props = content.get('proposals')
    if not isinstance(props, dict):
        raise _error(
            path, '"proposals" is missing or not a dict of image '
            'path -> boxes')
    boxes = {
        str(key): as_boxes(value, key, path)
        for key, value in props.items()
    }
    if version == 1:
        return boxes, None
    sizes = content.get('image_sizes')
    if not isinstance(sizes, dict):
        raise _error(
            path, '"image_sizes" (version 2) is missing or not a dict of '
            'image path -> [h, w]')
    sizes = {str(k): v for k, v in sizes.items()}
    missing = [k for k in boxes if k not in sizes]
    if missing:
        raise _error(
            path, f'{len(missing)} images have proposals but no '
            f'image_sizes entry, e.g. {missing[:3]}')
    out_sizes = {}
    for key, arr in boxes.items():
        out_sizes[key] = _as_size(sizes[key], key, path)
        _check_inside(arr, out_sizes[key], key, path)
    return boxes, out_sizes


def validate_proposals(content, path):
    """Check a loaded proposal file; returns ``{key: (N, 5) float32}``."""
    return validate_proposal_content(content, path)[0]


def _norm_key(key):
    key = str(key).replace('\\', '/')
    while key.startswith('./'):
        key = key[2:]
    return key


def _load_content(path, fmt, backend_args=None):
    """JSON through :mod:`mmengine.fileio`; a pickle as data only
    (:func:`mmfg.utils.safe_pickle.load_data_pickle`: builtin containers,
    scalars and numpy arrays; any other global is refused, so a crafted
    file cannot run code)."""
    if fmt != 'pickle':
        return load(path, file_format=fmt, backend_args=backend_args)
    from mmfg.utils.safe_pickle import load_data_pickle
    return load_data_pickle(
        get(path, backend_args=backend_args),
        path,
        what='proposal file',
        fix='A proposal file holds only image paths, boxes and sizes: '
        'write it as JSON (a .json path) with mmfg.datasets.proposals.'
        'dump_proposal_file (a pickle you made yourself and trust: load it '
        'with pickle and write it again so)')


def read_proposal_file(path, backend_args=None):
    """Read and validate a proposal file of any version.

    Returns:
        tuple: ``{key: (N, 5) float32}`` boxes and ``{key: (h, w)}`` image
        sizes (None for a version-1 file), keys normalised (``/``
        separators, no leading ``./``).

    Raises:
        FileNotFoundError: the file does not exist.
        DataError: malformed content, naming the file and the entry.
    """
    if not isfile(path, backend_args=backend_args):
        raise FileNotFoundError(
            f'proposal file {path} not found. It is made by the proposal '
            'tools (tools/proposals, see configs/proposals/README.md) or by '
            'mmfg.datasets.proposals.dump_proposal_file; format: '
            f'{FORMAT_DOC}')
    fmt = _file_format(path)
    try:
        content = _load_content(path, fmt, backend_args)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - json/pickle raise many types
        raise _error(
            path, f'cannot be read as {fmt} '
            f'({type(exc).__name__}: {exc})') from None
    boxes, sizes = validate_proposal_content(content, path)
    boxes = {_norm_key(k): v for k, v in boxes.items()}
    if sizes is not None:
        sizes = {_norm_key(k): v for k, v in sizes.items()}
    return boxes, sizes


def _apply_empty_policy(props, sizes, empty, path):
    if empty not in EMPTY_POLICIES:
        raise ValueError(f'empty must be one of {EMPTY_POLICIES}, got '
                         f'{empty!r}')
    if empty == 'keep':
        return props
    blank = [k for k, v in props.items() if not len(v)]
    if not blank:
        return props
    if empty == 'error':
        raise DataError(
            f'proposal file {path}: {len(blank)} images have no proposals '
            f'(an empty list), e.g. {blank[:3]}; regenerate them, or load '
            "with empty='whole_image' (version-2 files) or 'keep'")
    if sizes is None:
        raise DataError(
            f"proposal file {path}: empty='whole_image' needs the image "
            'sizes of a version-2 file, this is version 1; convert it with '
            'dump_proposal_file(path, boxes, image_sizes=...)')
    props = dict(props)
    for k in blank:
        h, w = sizes[k]
        props[k] = np.array([[0, 0, w, h, 0]], np.float32)
    return props


def check_proposal_size(results, decoded_hw):
    """Refuse an image whose decoded ``(h, w)`` differs from the size the
    proposal file gives for it (``results[PROPOSAL_SIZE_KEY]``, set by a
    dataset given a version-2 file): its boxes were made on another image
    (a resized or re-encoded copy, another release) and would be cropped in
    the wrong place.

    Raises:
        DataError: naming the proposal file, the image and both sizes.
    """
    size = results.get(PROPOSAL_SIZE_KEY)
    if size is None:
        return
    h, w = (int(v) for v in decoded_hw[:2])
    fh, fw = size
    if abs(fh - h) <= SIZE_TOLERANCE and abs(fw - w) <= SIZE_TOLERANCE:
        return
    image = results.get('img_path') or results.get('img_key')
    hint = ''
    if abs(fh - w) <= SIZE_TOLERANCE and abs(fw - h) <= SIZE_TOLERANCE:
        hint = (' (height and width swapped: the file may have been made '
                'without applying the image\'s EXIF orientation, which the '
                'decoder applies)')
    raise DataError(
        f'proposal file {results.get(PROPOSAL_FILE_KEY)}: image_sizes gives '
        f'[h, w] = [{fh:g}, {fw:g}] for image {image}, but the decoded image '
        f'is [{h}, {w}]{hint}; its boxes refer to another image and would be '
        'cropped in the wrong place. Make the proposal file again from these '
        'images (tools/proposals/generate.py) or give the dataset the file '
        'made for them')


def load_proposal_file(path,
                       img_keys=None,
                       backend_args=None,
                       empty='keep',
                       return_sizes=False):
    """Load and validate a proposal file.

    Args:
        path (str): the ``.json`` / ``.pkl`` file.
        img_keys (list[str], optional): the dataset's image keys (paths
            relative to data_root). When given, every one must be in the
            file, and only those are returned.
        backend_args (dict, optional): arguments of the MMEngine file
            backend (the file may be on any storage backend).
        empty (str): what an image with no boxes gets: ``'keep'`` (default,
            ``(0, 5)``), ``'whole_image'`` (the box of the whole image,
            score 0; version-2 files) or ``'error'``.
        return_sizes (bool): also return the image sizes.

    Returns:
        dict[str, np.ndarray]: key -> np.float32 ``(N, 5)`` boxes
        ``x1, y1, x2, y2, score``; with ``return_sizes``, a tuple of that
        and ``{key: (h, w)}`` (None for a version-1 file).

    Raises:
        FileNotFoundError: the file does not exist.
        DataError: malformed content, or images of the dataset missing.
    """
    props, sizes = read_proposal_file(path, backend_args)
    props = _apply_empty_policy(props, sizes, empty, path)
    if img_keys is None:
        return (props, sizes) if return_sizes else props
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
    out = {k: props[_norm_key(k)] for k in img_keys}
    if not return_sizes:
        return out
    if sizes is not None:
        sizes = {k: sizes[_norm_key(k)] for k in img_keys}
    return out, sizes


def dump_proposal_file(path, proposals, image_sizes=None, backend_args=None):
    """Write ``{key: boxes}`` as a proposal file (version 2 with
    ``image_sizes``, version 1 without).

    Args:
        path (str): output ``.json`` / ``.pkl``; folders are created.
        proposals (dict[str, array-like]): image key (path relative to
            data_root) -> ``(N, 5)`` boxes ``x1, y1, x2, y2, score``.
        image_sizes (dict[str, tuple[int, int]], optional): image key ->
            ``(h, w)`` of the image the boxes are in pixels of. Given: a
            version-2 file (recommended; boxes are checked to lie inside).
        backend_args (dict, optional): arguments of the MMEngine file
            backend to write with.

    Raises:
        DataError: a box is malformed or outside its image (checked before
            writing).
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
        version=1 if image_sizes is None else PROPOSAL_FILE_VERSION,
        box_format=BOX_FORMAT,
        proposals=body)
    if image_sizes is not None:
        sizes = {_norm_key(k): v for k, v in image_sizes.items()}
        missing = [k for k in checked if k not in sizes]
        if missing:
            raise DataError(f'dump_proposal_file({path}): no image_sizes for '
                            f'{len(missing)} images, e.g. {missing[:3]}')
        out = {}
        for k, arr in checked.items():
            h, w = _as_size(sizes[k], k, path)
            _check_inside(arr, (h, w), k, path)
            out[k] = [
                int(h) if float(h).is_integer() else h,
                int(w) if float(w).is_integer() else w
            ]
        content['image_sizes'] = out
    if '://' not in path:  # local file: create its folder
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    dump(content, path, file_format=fmt, backend_args=backend_args)
