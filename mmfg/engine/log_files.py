"""Logs and ``scalars.json`` that a full disk cannot leave half-written.

MMEngine writes the log through ``logging.FileHandler`` (whose write errors
print ``--- Logging error ---`` and are otherwise ignored) and the scalars
through ``LocalVisBackend._dump`` (``open(..., 'a+')`` and a buffered
write: a full disk leaves a truncated JSON line). :func:`guard_log_file`
and :func:`guard_vis_backend` make each record one whole-line append
(:func:`~.checkpoint_files.append_whole`): when the disk fills up the file
is cut back to its last complete line and the run stops with a
:class:`~mmfg.utils.errors.TrainingError` naming the file and the free
space. :class:`~mmfg.engine.FGRunner` applies both to the runner's logger
and visualizer.
"""
import logging
import os

from .checkpoint_files import append_whole, disk_full_error


def guard_log_file(handler):
    """Make ``handler`` (a ``logging.FileHandler``) write every record as
    one whole line; a full disk raises the ``TrainingError`` of
    :func:`append_whole` once, after which the handler drops records (the
    error is on its way to the user)."""
    if getattr(handler, '_mmfg_guarded', False):
        return handler
    state = {'broken': False}

    def emit(record):
        if state['broken']:
            return
        try:
            msg = handler.format(record) + handler.terminator
        except Exception:  # noqa: BLE001 - logging's own behaviour
            handler.handleError(record)
            return
        if handler.stream is None:
            handler.stream = handler._open()
        stream = handler.stream
        stream.flush()
        data = msg.encode(stream.encoding or 'utf-8', 'backslashreplace')
        try:
            append_whole(stream.fileno(), data, handler.baseFilename)
        except Exception:
            state['broken'] = True
            raise

    handler.emit = emit
    handler._mmfg_guarded = True
    return handler


def guard_logger(logger):
    """:func:`guard_log_file` on every file handler of ``logger``."""
    for handler in getattr(logger, 'handlers', []):
        if isinstance(handler, logging.FileHandler):
            guard_log_file(handler)
    return logger


def guard_vis_backend(backend):
    """Make a ``LocalVisBackend`` append each scalar record as one whole
    JSON line and write its ``config.py`` whole (a full disk: the
    ``TrainingError`` of :func:`append_whole`, no partial file)."""
    from mmengine.fileio import dump
    from mmengine.visualization import LocalVisBackend
    if not isinstance(backend, LocalVisBackend) or getattr(
            backend, '_mmfg_guarded', False):
        return backend
    add_config = backend.add_config

    def _dump(value_dict, file_path, file_format):
        text = dump(value_dict, file_format=file_format) + '\n'
        append_whole(file_path, text.encode('utf-8'))

    def guarded_add_config(config, **kwargs):
        try:
            return add_config(config, **kwargs)
        except OSError as exc:
            path = getattr(backend, '_config_save_file', None)
            err = disk_full_error(
                path, exc,
                kept='the partial copy was removed') if path else None
            if err is None:
                raise
            try:
                os.remove(path)
            except OSError:
                pass
            raise err from None

    backend._dump = _dump
    backend.add_config = guarded_add_config
    backend._mmfg_guarded = True
    return backend


def guard_visualizer(visualizer):
    """:func:`guard_vis_backend` on every backend of ``visualizer``."""
    for backend in (getattr(visualizer, '_vis_backends', None) or {}).values():
        guard_vis_backend(backend)
    return visualizer
