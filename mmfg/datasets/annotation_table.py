"""Text annotation files (CUB/NABirds ``*.txt``, Birdsnap's tab-separated
tables, FGVC-Aircraft lists) parsed with line numbers kept for errors.

Files are read through :func:`mmengine.fileio.get_text`, so any storage
backend of ``backend_args`` (local disk, S3/petrel, HTTP) works.
"""
import posixpath

import numpy as np
from mmengine.fileio import get_text

from mmfg.utils import DataError


class AnnotationTable:
    """A text annotation file split into fields, with line numbers kept for
    error messages.

    Args:
        path (str): the file (a local path or a URI of a storage backend).
        fmt (str): the expected line format, e.g. ``'<image_id> <class_id>'``
            (shown in errors).
        ncols (int | tuple[int, int]): number of fields per line (exact, or
            ``(min, max)``; max None = unbounded).
        maxsplit (int): split at most this many times (so that a last field
            may contain spaces, e.g. class names). -1: no limit.
        sep (str, optional): field separator; None = any whitespace.
        header (bool): the first line is a header (kept in ``header``).
        owner (str): dataset name used as message prefix.
        backend_args (dict, optional): arguments of the file backend
            (:func:`mmengine.fileio.get_text`).

    Attributes:
        rows (list[tuple[int, list[str]]]): (1-based line number, fields)
            of each non-blank line.
        header (list[str] | None)
    """

    def __init__(self,
                 path,
                 fmt,
                 ncols,
                 maxsplit=-1,
                 sep=None,
                 header=False,
                 owner='',
                 backend_args=None):
        self.path, self.fmt, self.owner = path, fmt, owner
        lo, hi = (ncols, ncols) if isinstance(ncols, int) else ncols
        try:
            lines = get_text(
                path, encoding='utf-8',
                backend_args=backend_args).splitlines()
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
                raise self.error(
                    lineno, f'expected {self._ncols(lo, hi)} '
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

    def by_key(self, col=0, what='id', norm=None):
        """``{fields[col]: (lineno, fields)}`` in file order; a repeated key
        is an error naming both lines.

        Args:
            col (int): the key column.
            what (str): what the key is, for the message (``'image id'``).
            norm (callable, optional): compare keys after this (e.g.
                :func:`norm_rel_path` for image paths); the dict keeps the
                keys as written.
        """
        out, first = {}, {}
        for lineno, fields in self.rows:
            key = fields[col]
            seen = key if norm is None else norm(key)
            if seen in first:
                raise self.error(
                    lineno, f'{what} {key} appears again (first on '
                    f'line {first[seen]}); every entry must be listed once '
                    '(a repeated line adds the image twice and can give it '
                    'another line\'s label or split): remove one of the two '
                    'lines')
            first[seen] = lineno
            out[key] = (lineno, fields)
        return out


def norm_rel_path(path):
    """A relative image path as compared for repeats: ``/`` separators,
    ``.`` and ``x/..`` segments removed (``a/./b.jpg`` = ``a/b.jpg``)."""
    return posixpath.normpath(str(path).replace('\\', '/'))


def first_repeat(values, norm=None):
    """``(i, j, value)`` of the first value at index ``j`` equal to the one
    at an earlier index ``i`` (compared after ``norm``), else None."""
    seen = {}
    for j, value in enumerate(values):
        key = value if norm is None else norm(value)
        if key in seen:
            return seen[key], j, value
        seen[key] = j
    return None


def box_problem(box):
    """Why ``x1, y1, x2, y2`` is not a box in image pixels (non-finite,
    a negative coordinate, ``x2 <= x1`` or ``y2 <= y1``), or None."""
    box = [float(v) for v in box]
    if not np.isfinite(box).all():
        return f'box {box} has a non-finite value'
    if min(box) < 0:
        return (f'box {box} has a negative coordinate (boxes are pixels of '
                'the image, >= 0)')
    if box[2] <= box[0] or box[3] <= box[1]:
        return f'box {box} is empty (x2 <= x1 or y2 <= y1)'
    return None


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
