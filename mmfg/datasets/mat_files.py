"""MATLAB ``.mat`` annotation files (Stanford Cars, Stanford Dogs,
Flowers-102) read with :func:`scipy.io.loadmat`, with errors naming the file
and the variable or struct field that is missing or malformed.

Files are fetched through :func:`mmengine.fileio.get`, so any storage
backend of ``backend_args`` works.
"""
import io

import numpy as np
from mmengine.fileio import get

from mmfg.utils import DataError


def load_mat(path, owner='', backend_args=None):
    """``scipy.io.loadmat`` of ``path`` with a DataError naming the file.

    Args:
        path (str): the ``.mat`` file (a local path or a backend URI).
        owner (str): dataset name used as message prefix.
        backend_args (dict, optional): arguments of the file backend.
    """
    from scipy.io import loadmat
    raw = get(path, backend_args=backend_args)
    try:
        return loadmat(io.BytesIO(raw))
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
