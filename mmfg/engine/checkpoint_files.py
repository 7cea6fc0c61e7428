"""Checkpoint files that a kill cannot spoil.

A checkpoint is written to a temporary name and renamed when complete
(:func:`save_atomically`, used by :meth:`mmfg.engine.FGRunner.
save_checkpoint`), ``last_checkpoint`` is replaced atomically
(:func:`atomic_write_text`, used by :class:`mmfg.engine.CheckpointHook`)
and ``--resume`` without a file takes the newest complete checkpoint
(:func:`find_resumable_checkpoint`). A full disk stops the run with a
:class:`~mmfg.utils.errors.TrainingError` and leaves the earlier checkpoints
intact; line-based files (the log, ``scalars.json``) are appended whole
lines at a time (:func:`append_whole`), so a full disk leaves them
parseable.
"""
import errno
import glob
import os
import os.path as osp
import re
import shutil

from mmfg.utils.errors import TrainingError


def is_local(path):
    """Whether ``path`` is a local file name (not ``s3://...``)."""
    return isinstance(path, str) and '://' not in path


# errors of a write that found no room (EFBIG: a file size limit)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_TMP_RE = re.compile(r'^\..+\.(\d+)\.tmp$')


def tmp_name(path):
    """The temporary name ``path`` is written under before the rename:
    ``.NAME.<pid>.tmp``, unique to this process (two processes saving the
    same name never write into each other's file)."""
    return osp.join(
        osp.dirname(path), f'.{osp.basename(path)}.{os.getpid()}.tmp')


def free_space(folder):
    """``'N MiB free'`` in ``folder`` (or 'free space unknown')."""
    try:
        return f'{shutil.disk_usage(folder).free / 2**20:.0f} MiB free'
    except OSError:
        return 'free space unknown'


def disk_full_error(path,
                    exc,
                    what='writing',
                    kept='the file is intact up to its last complete line'):
    """The :class:`TrainingError` for an ``OSError`` ``exc`` that found no
    room while ``what`` ``path`` (None for another error); ``kept`` says
    what became of the file."""
    if getattr(exc, 'errno', None) not in DISK_FULL:
        return None
    folder = osp.dirname(osp.abspath(path))
    cause = ('out of disk space' if exc.errno != errno.EFBIG else
             'the file size limit was reached')
    return TrainingError(
        f'{cause} while {what} {path} ({free_space(folder)} in {folder}); '
        f'{kept}. Free some space (or train into another --work-dir), then '
        'continue with --resume')


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` so that readers see the old or the new
    content, never a partial one (temporary file, fsync, ``os.replace``).
    A full disk is a :class:`TrainingError` (the old content stays)."""
    tmp = tmp_name(path)
    try:
        with open(tmp, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        err = disk_full_error(path, exc, kept='its previous content is intact')
        if err is None:
            raise
        raise err from None


def append_whole(target, data, path=None):
    """Append ``data`` (bytes) to ``target`` (a path, or the fd of a file
    open for writing at its end) entirely or not at all: when the disk
    fills up midway, the file is cut back to its size before and a
    :class:`TrainingError` names it, so that a line-based file (a log,
    ``scalars.json``) always ends with a complete line."""
    own = not isinstance(target, int)
    path = target if own else path
    fd = os.open(target, os.O_WRONLY | os.O_APPEND
                 | os.O_CREAT, 0o644) if own else target
    try:
        start = os.lseek(fd, 0, os.SEEK_END)
    except OSError:  # a character device (/dev/full)
        start = None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        if start is not None:
            try:
                os.ftruncate(fd, start)
                os.lseek(fd, start, os.SEEK_SET)
            except OSError:
                pass
        err = disk_full_error(path, exc)
        if err is None:
            raise
        raise err from None
    finally:
        if own:
            os.close(fd)


def checkpoint_is_complete(path):
    """Cheap check that ``path`` is a whole checkpoint: a non-empty file
    whose zip archive has its central directory (a truncated torch.save
    file has not)."""
    import zipfile
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    with open(path, 'rb') as f:
        head = f.read(2)
    return head != b'PK' or zipfile.is_zipfile(path)


_CKPT_RE = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def find_resumable_checkpoint(work_dir, logger=None):
    """The checkpoint ``--resume`` (without a file) continues from.

    ``work_dir/last_checkpoint`` names it when that file is complete;
    otherwise (the name is missing or empty, or the file it names is
    missing or truncated, e.g. after a kill while saving) the newest
    complete ``epoch_N.pth`` / ``iter_N.pth`` of ``work_dir``. None when
    there is none (the run starts from scratch).
    """
    last = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(last):
        with open(last) as f:
            named = f.read().strip() or None
    if named and checkpoint_is_complete(named):
        return named
    found = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            match = _CKPT_RE.match(name)
            path = osp.join(work_dir, name)
            if match and checkpoint_is_complete(path):
                found.append(
                    (match.group(1) == 'iter', int(match.group(2)), path))
    best = max(found)[2] if found else None
    if logger is not None and named:
        logger.warning(f'last_checkpoint names {named}, which is missing or '
                       f'incomplete; resuming from {best or "scratch"}')
    return best


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: another user's live process
        return True
    return True


def remove_partial_files(work_dir):
    """Remove the temporary files (``.NAME.<pid>.tmp``, or ``.NAME.tmp``
    of earlier versions) a killed run left in ``work_dir``; not those of a
    live process."""
    for path in glob.glob(osp.join(work_dir, '.*.tmp')):
        match = _TMP_RE.match(osp.basename(path))
        if match and int(match.group(1)) != os.getpid() and _pid_alive(
                int(match.group(1))):
            continue
        try:
            os.remove(path)
        except OSError:
            pass


def save_atomically(save, out_dir, filename, previous=None):
    """Write checkpoint ``out_dir/filename`` with ``save(name)`` (which
    writes ``out_dir/name``) under a temporary name, fsync it and rename it.

    Args:
        save (callable): writes the checkpoint as ``out_dir/<its argument>``.
        out_dir (str): a local folder.
        filename (str): the checkpoint's final name.
        previous (str, optional): the run's previous checkpoint, named in
            the message when the disk is full.

    Raises:
        TrainingError: the disk is full (no partial file is left).
    """
    final = osp.join(out_dir, filename)
    tmp = tmp_name(final)
    try:
        save(osp.basename(tmp))
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        if exc.errno not in DISK_FULL:
            raise
        free = free_space(out_dir)
        keep = (f'; the previous checkpoint {previous} is intact' if previous
                and osp.isfile(previous) and previous != final else '')
        cause = ('out of disk space' if exc.errno != errno.EFBIG else
                 'the file size limit was reached')
        raise TrainingError(
            f'{cause} while saving checkpoint {final} '
            f'({free} in {out_dir}){keep}. Free some space, or save '
            'elsewhere (--work-dir DIR or --cfg-options '
            'default_hooks.checkpoint.out_dir=DIR) or keep fewer '
            'checkpoints (default_hooks.checkpoint.max_keep_ckpts=1), '
            'then continue with --resume') from None
