"""One-line errors for the mistakes users make, instead of a long traceback.

User errors (a missing file or folder, a malformed annotation, an unknown
registry type, a bad argument) end the tool with ``error: <message>`` on
stderr and exit status 1. Set ``MMFG_DEBUG=1`` to get the full traceback.
Anything else (a bug) keeps its normal traceback.
"""
import os
import sys


class DataError(ValueError):
    """A dataset/annotation/proposal file exists but its content is wrong."""


class ConfigError(ValueError):
    """A config asks for something that cannot work (e.g. a class count that
    does not match the dataset)."""


USER_ERRORS = (FileNotFoundError, NotADirectoryError, DataError, ConfigError)


def _is_registry_error(exc):
    return isinstance(exc, KeyError) and 'registry' in str(exc)


def run_with_clear_errors(main, *args, **kwargs):
    """Call ``main(*args, **kwargs)``; turn user errors into a one-line
    message and ``SystemExit(1)``."""
    try:
        return main(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - filtered below
        if os.environ.get('MMFG_DEBUG') or not (isinstance(exc, USER_ERRORS)
                                                or _is_registry_error(exc)):
            raise
        msg = str(exc.args[0]) if exc.args else str(exc)
        msg = ' '.join(msg.split())
        print(f'error: {msg}', file=sys.stderr)
        print('(set MMFG_DEBUG=1 to see the traceback)', file=sys.stderr)
        raise SystemExit(1) from None
