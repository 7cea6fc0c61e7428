"""One-line errors for the mistakes users make, instead of a long traceback.

User errors (:data:`~mmfg.utils.errors.USER_ERRORS`: a missing file or
folder, a malformed annotation, an unknown registry type or config key, a
class count that does not fit the data, an unreadable checkpoint or image, a
diverged loss, a full disk) end the tool with ``error: <message>`` on stderr
and exit status 1. Set ``MMFG_DEBUG=1`` to get the full traceback. Anything
else (a bug) keeps its normal traceback. ``docs/troubleshooting.md`` lists
every message with its cause and fix.
"""
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


def _is_registry_error(exc):
    return isinstance(exc, KeyError) and 'registry' in str(exc)


def user_message(exc):
    """The one-line message of a user error (the original message of an
    exception re-raised from a DataLoader worker)."""
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
    message and ``SystemExit(1)``."""
    try:
        return main(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - filtered below
        if os.environ.get('MMFG_DEBUG') or not (isinstance(exc, USER_ERRORS)
                                                or _is_registry_error(exc)):
            raise
        print(f'error: {user_message(exc)}', file=sys.stderr)
        print('(set MMFG_DEBUG=1 to see the traceback)', file=sys.stderr)
        raise SystemExit(1) from None
