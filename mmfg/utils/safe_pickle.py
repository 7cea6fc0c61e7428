"""Reading pickle files as data only.

A pickle is a program: its ``GLOBAL``/``REDUCE`` opcodes import and call
any Python function, so ``pickle.load`` of a crafted file runs code (e.g.
``os.system``). The data files mmfg reads as pickles (proposal files
``.pkl``/``.pickle``, CIFAR-10's python batches) hold nothing but builtin
containers and scalars and numpy arrays, so :func:`restricted_loads` reads
them with an unpickler whose ``find_class`` knows only:

* the builtin types a pickle of data may name (``set``, ``frozenset``,
  ``complex``, ``bytes``/``bytearray`` of text or bytes;
  ``collections.OrderedDict`` becomes a plain ``dict``, which keeps the
  order);
* ``_codecs.encode(text, 'latin1')``, with which protocol-2 pickles store
  ``bytes``;
* numpy arrays, dtypes and scalars (``numpy.ndarray``, ``numpy.dtype``,
  ``numpy[._]core.multiarray._reconstruct``/``scalar``,
  ``numpy[._]core.numeric._frombuffer``), through wrappers that accept
  numeric/bool/string data only (no ``object`` dtype, no ndarray
  subclass).

Every other global (``os.system``, ``builtins.eval``, any class) is refused
before anything is called: :class:`UnsafePickleError` names it, and
:func:`load_data_pickle` turns it into a :class:`~mmfg.utils.errors.DataError`
naming the file. None of the allowed objects has a ``__dict__`` that a
pickle's ``BUILD`` could fill, so no attribute can be planted either.
"""
import codecs
import io
import pickle

import numpy as np

from .errors import DataError

try:  # numpy >= 2
    from numpy._core import multiarray as _np_multiarray
    from numpy._core import numeric as _np_numeric
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _np_multiarray
    from numpy.core import numeric as _np_numeric


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle names a global that is not data (:attr:`name`,
    ``module.qualname``)."""

    def __init__(self, name, why='not data'):
        self.name = name
        super().__init__(f'refused to unpickle {name} ({why})')


def _data_dtype(dtype, what):
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise UnsafePickleError(
            what, f'dtype {dtype!r}: only numeric, bool '
            'and string dtypes are data')
    return dtype


def _dtype(spec, align=False, copy=True):
    """``numpy.dtype`` of a plain type code (``'f8'``, ``'<U5'``...)."""
    if not isinstance(spec, str):
        raise UnsafePickleError(
            'numpy.dtype', f'of a {type(spec).__name__}: only '
            'type codes are data')
    dtype = np.dtype(spec, bool(align), bool(copy))
    return _data_dtype(dtype, 'numpy.dtype')


def _reconstruct(subtype, shape, typecode):
    """``_reconstruct`` of a plain ``numpy.ndarray`` (no subclass)."""
    if subtype is not np.ndarray:
        raise UnsafePickleError(
            'numpy.core.multiarray._reconstruct',
            f'of {getattr(subtype, "__name__", subtype)!r}: only '
            'numpy.ndarray is data')
    return _np_multiarray._reconstruct(np.ndarray, shape, typecode)


def _scalar(dtype, data=None):
    _data_dtype(dtype, 'numpy scalar')
    if not isinstance(data, (bytes, str)):
        raise UnsafePickleError('numpy scalar', 'without raw bytes')
    return _np_multiarray.scalar(dtype, data)


def _frombuffer(buffer, dtype, shape, order):
    _data_dtype(dtype, 'numpy array')
    return _np_numeric._frombuffer(buffer, dtype, shape, order)


def _encode(text, encoding='utf-8'):
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``."""
    if not isinstance(text, str) or str(encoding).lower().replace(
            '-', '') != 'latin1':
        raise UnsafePickleError('_codecs.encode',
                                'only text to latin1 bytes is data')
    return codecs.encode(text, encoding)


def _bytes_like(kind):
    """``bytes()`` / ``bytearray(text, 'latin-1')`` as pickles store them
    (no sizes: ``bytes(10**12)`` would only allocate)."""

    def build(*args):
        if args and not (isinstance(args[0], (str, bytes, bytearray))
                         and len(args) <= 2):
            raise UnsafePickleError(f'builtins.{kind.__name__}',
                                    'only of text or bytes is data')
        return kind(*args)

    return build


def _ordered_dict(items=()):
    return dict(items)


_NUMPY_CORE = ('numpy.core', 'numpy._core')
#: ``(module, name)`` -> what the unpickler gets instead
ALLOWED_GLOBALS = {
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    ('builtins', 'complex'): complex,
    ('builtins', 'bytes'): _bytes_like(bytes),
    ('builtins', 'bytearray'): _bytes_like(bytearray),
    ('collections', 'OrderedDict'): _ordered_dict,
    ('_codecs', 'encode'): _encode,
    ('codecs', 'encode'): _encode,
    ('numpy', 'ndarray'): np.ndarray,
    ('numpy', 'dtype'): _dtype,
    **{
        (f'{core}.multiarray', '_reconstruct'): _reconstruct
        for core in _NUMPY_CORE
    },
    **{
        (f'{core}.multiarray', 'scalar'): _scalar
        for core in _NUMPY_CORE
    },
    **{
        (f'{core}.numeric', '_frombuffer'): _frombuffer
        for core in _NUMPY_CORE
    },
}
# Python 2 pickles (read with ``encoding='latin1'``) name builtins so
ALLOWED_GLOBALS.update({
    ('__builtin__', name): obj
    for (mod, name), obj in ALLOWED_GLOBALS.items() if mod == 'builtins'
})


class _DataUnpickler(pickle.Unpickler):

    def find_class(self, module, name):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(f'{module}.{name}') from None

    def persistent_load(self, pid):
        raise UnsafePickleError('a persistent id',
                                'the file is not a plain pickle')


def _check_data(obj, depth=0):
    """Refuse object arrays anywhere in ``obj`` (their elements were read
    by the same restricted unpickler, but data files never hold them)."""
    if depth > 100:
        return
    if isinstance(obj, (np.ndarray, np.generic)):
        _data_dtype(obj.dtype, 'numpy array')
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _check_data(key, depth + 1)
            _check_data(value, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            _check_data(value, depth + 1)


def restricted_loads(data, encoding='ASCII'):
    """``pickle.loads`` that builds data only (see the module docstring).

    Args:
        data (bytes): the pickle.
        encoding (str): as :func:`pickle.loads` (``'latin1'`` for Python 2
            pickles of numpy arrays).

    Raises:
        UnsafePickleError: the pickle names a global that is not data.
        pickle.UnpicklingError, EOFError, ...: not a readable pickle.
    """
    obj = _DataUnpickler(io.BytesIO(data), encoding=encoding).load()
    _check_data(obj)
    return obj


def load_data_pickle(data, path, what='file', fix=None, encoding='ASCII'):
    """:func:`restricted_loads` with a :class:`DataError` naming ``path``
    (``what`` says what it is, e.g. ``'proposal file'``) and the refused
    global; ``fix`` is the advice appended to that message. Other read
    errors propagate."""
    try:
        return restricted_loads(data, encoding=encoding)
    except UnsafePickleError as exc:
        raise DataError(
            f'{what} {path}: {exc}; mmfg reads pickle '
            'files as data only (builtin containers and scalars, numpy '
            'arrays), since unpickling anything else can run code. ' +
            (fix or 'Write the file as JSON instead')) from None
