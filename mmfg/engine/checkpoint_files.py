"""Checkpoint files that a kill cannot spoil.

A checkpoint is written to a temporary name and renamed when complete
(:func:`save_atomically`, used by :meth:`mmfg.engine.FGRunner.
save_checkpoint`), ``last_checkpoint`` is replaced atomically
(:func:`atomic_write_text`, used by :class:`mmfg.engine.CheckpointHook`)
and ``--resume`` without a file takes the newest complete checkpoint
(:func:`find_resumable_checkpoint`). A full disk stops the run with a
:class:`~mmfg.utils.errors.TrainingError` and leaves the earlier checkpoints
intact.
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


def tmp_name(path):
    """The temporary name ``path`` is written under before the rename."""
    return osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` so that readers see the old or the new
    content, never a partial one (temporary file, fsync, ``os.replace``)."""
    tmp = tmp_name(path)
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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


def remove_partial_files(work_dir):
    """Remove the temporary files (``.NAME.tmp``) a killed run left in
    ``work_dir``."""
    for path in glob.glob(osp.join(work_dir, '.*.tmp')):
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
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        try:
            free = shutil.disk_usage(out_dir).free / 2**20
            free = f'{free:.0f} MiB free'
        except OSError:
            free = 'free space unknown'
        keep = (f'; the previous checkpoint {previous} is intact' if previous
                and osp.isfile(previous) and previous != final else '')
        raise TrainingError(
            f'out of disk space while saving checkpoint {final} '
            f'({free} in {out_dir}){keep}. Free some space, or save '
            'elsewhere (--work-dir DIR or --cfg-options '
            'default_hooks.checkpoint.out_dir=DIR) or keep fewer '
            'checkpoints (default_hooks.checkpoint.max_keep_ckpts=1), '
            'then continue with --resume') from None
