"""The exception types of mmfg's user errors.

A leaf module: it imports nothing, so every part of mmfg can raise these
without an import cycle. :func:`mmfg.utils.run_with_clear_errors` turns
them into ``error: <message>`` and exit status 1 in the tools;
``docs/troubleshooting.md`` lists every message with its cause and fix.
"""


class DataError(ValueError):
    """A dataset/annotation/proposal/image file exists but its content is
    wrong."""


class ConfigError(ValueError):
    """A config asks for something that cannot work (e.g. a class count that
    does not match the dataset, a key the class does not take)."""


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupt or of the wrong kind."""


class TrainingError(RuntimeError):
    """A run cannot go on for a reason the user can fix (the loss became
    NaN/Inf, the disk is full)."""


# The errors a tool reports in one line (a bug keeps its traceback). The
# OSError subclasses are the files the user names: missing, a folder where
# a file is expected (or the reverse), not readable/writable, already there.
# :func:`mmfg.utils.clear_errors.is_user_error` adds a full or read-only
# disk (plain ``OSError`` with ENOSPC/EDQUOT/EROFS/...).
USER_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError, FileExistsError, DataError, ConfigError,
               CheckpointError, TrainingError)
