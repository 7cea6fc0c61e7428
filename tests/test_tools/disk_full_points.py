"""A test-only hook that makes the disk "fill up" at a chosen training
iteration: it lowers this process's file size limit (``RLIMIT_FSIZE``) to
the log file's size plus a margin, so that a write crossing it is cut
short and the next one fails (``EFBIG``), the partial write a full disk
gives.

``MMFG_TEST_FSIZE=<epoch>:<iter>:<margin bytes>`` (nothing happens when it
is unset); ``<iter>`` is 1-based within the epoch.

``MMFG_TEST_DEVFULL_SAVE=<epoch>``: the temporary file of the checkpoint of
``<epoch>`` (``.epoch_N.pth.<pid>.tmp``) is made a link to /dev/full,
whose writes fail with ENOSPC like a full disk.
"""
import logging
import os
import os.path as osp
import resource

from mmengine.hooks import Hook

from mmfg.registry import HOOKS


@HOOKS.register_module()
class FileSizeLimitHook(Hook):
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint):
        epoch = os.environ.get('MMFG_TEST_DEVFULL_SAVE')
        if epoch and int(epoch) == checkpoint['meta']['epoch']:
            from mmfg.engine.checkpoint_files import tmp_name
            os.symlink(
                '/dev/full',
                tmp_name(osp.join(runner.work_dir, f'epoch_{epoch}.pth')))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        value = os.environ.get('MMFG_TEST_FSIZE')
        if not value:
            return
        epoch, it, margin = (int(v) for v in value.split(':'))
        if epoch != runner.epoch + 1 or it != batch_idx + 1:
            return
        log = [
            h.baseFilename for h in runner.logger.handlers
            if isinstance(h, logging.FileHandler)
        ][0]
        limit = osp.getsize(log) + margin
        resource.setrlimit(
            resource.RLIMIT_FSIZE,
            (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
