"""One-line errors for the mistakes users make, instead of a long traceback.

User errors (:func:`is_user_error`: the types in
:data:`~mmfg.utils.errors.USER_ERRORS`, an unknown registry type, and the
operating-system errors below) end the tool with ``error: <message>`` on
stderr and exit status 1. Set ``MMFG_DEBUG=1`` to get the full traceback.
Anything else (a bug) keeps its normal traceback. ``docs/troubleshooting.md``
lists every message with its cause and fix.

Which ``OSError``s are user errors is deliberate: those about a file or
folder the user names or a disk they chose, i.e. the errnos of
:data:`OS_ERROR_FIXES`: a missing file (ENOENT), a file where a folder is
expected or the reverse (ENOTDIR, EISDIR), a file that cannot be read or
written (EACCES, EPERM, EROFS), a name already taken (EEXIST), a path too
long or looping (ENAMETOOLONG, ELOOP), a full disk or quota (ENOSPC,
EDQUOT). They print as ``<strerror>: <path>; <fix>``, never as their bare
errno. Other ``OSError``s (I/O errors, broken pipes, network) keep their
traceback.
"""
import errno
import os
import re
import sys

from .errors import USER_ERRORS

# ``ExceptionWrapper.reraise`` (DataLoader workers) re-raises the worker's
# exception type with "Caught X in DataLoader worker process N.\nOriginal
# Traceback ...\n<module>.X: <message>" as its message.
_WORKER_RE = re.compile(
    r'^Caught \w+ in DataLoader worker process \d+\.\s*'
    r'Original Traceback', re.S)

_PERMISSIONS = 'check its permissions, or choose a path you can use'
# errno -> the fix printed after ``<strerror>: <path>``; the OSErrors that
# are user errors (see the module docstring)
OS_ERROR_FIXES = {
    errno.ENOENT:
    'check the path',
    errno.ENOTDIR:
    'a part of the path is a file, not a folder',
    errno.EISDIR:
    'this is a folder; give a file',
    errno.EACCES:
    _PERMISSIONS,
    errno.EPERM:
    _PERMISSIONS,
    errno.EROFS:
    'the file system is read-only; choose a writable path',
    errno.EEXIST:
    'remove it or choose another path',
    errno.ENAMETOOLONG:
    'shorten the path',
    errno.ELOOP:
    'the path has a loop of symbolic links',
    errno.ENOSPC:
    'the disk is full; free some space or choose a path on '
    'another disk',
    errno.EDQUOT:
    'the disk quota is used up; free some space or choose a '
    'path on another disk',
}


def _is_registry_error(exc):
    return isinstance(exc, KeyError) and 'registry' in str(exc)


def is_user_error(exc):
    """Whether ``exc`` is a mistake the user can fix (one line, exit 1)
    rather than a bug (traceback)."""
    if isinstance(exc, USER_ERRORS) or _is_registry_error(exc):
        return True
    return isinstance(exc, OSError) and exc.errno in OS_ERROR_FIXES


def _os_message(exc):
    """``<strerror>: <path>[ -> <path2>]; <fix>`` of an OSError raised by
    the operating system (``exc.args`` is ``(errno, strerror[, path])``),
    None for one raised with a message of its own."""
    if not exc.strerror or not isinstance(exc.errno, int):
        return None
    msg = exc.strerror
    if exc.filename is not None:
        msg += f': {os.fsdecode(exc.filename) or repr("")}'
    if exc.filename2 is not None:
        msg += f' -> {os.fsdecode(exc.filename2)}'
    fix = OS_ERROR_FIXES.get(exc.errno)
    return f'{msg}; {fix}' if fix else msg


def user_message(exc):
    """The one-line message of a user error (the original message of an
    exception re-raised from a DataLoader worker; ``<strerror>: <path>;
    <fix>`` for an operating-system error)."""
    if isinstance(exc, OSError):
        msg = _os_message(exc)
        if msg is not None:
            return ' '.join(msg.split())
    msg = str(exc.args[0]) if exc.args else str(exc)
    if _WORKER_RE.match(msg):
        # the last line "pkg.module.ErrorType: message" of the traceback
        name = type(exc).__name__
        found = re.search(rf'(?:^|\n)[\w.]*{name}: (.*)\s*$', msg, re.S)
        if found:
            msg = found.group(1)
    return ' '.join(msg.split())


def run_with_clear_errors(main, *args, **kwargs):
    """Call ``main(*args, **kwargs)``; turn user errors into a one-line
    message and ``SystemExit(1)``; Ctrl-C outside a training loop (which
    handles it itself, :mod:`mmfg.engine.signals`) ends with one line and
    exit status 130 instead of a traceback."""
    try:
        return main(*args, **kwargs)
    except KeyboardInterrupt:
        if os.environ.get('MMFG_DEBUG'):
            raise
        print('stopped by SIGINT (Ctrl-C)', file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - filtered below
        if os.environ.get('MMFG_DEBUG') or not is_user_error(exc):
            raise
        print(f'error: {user_message(exc)}', file=sys.stderr)
        print('(set MMFG_DEBUG=1 to see the traceback)', file=sys.stderr)
        raise SystemExit(1) from None
