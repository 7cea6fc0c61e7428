"""Hooks that make a run fail clearly or survive a kill.

* :class:`CheckpointHook` (MMEngine's, registered under its name in the
  ``mmfg`` scope): ``last_checkpoint`` is written atomically and only after
  the checkpoint it names is complete (:meth:`FGRunner.save_checkpoint`
  writes to a temporary name and renames), and a checkpoint beyond
  ``max_keep_ckpts`` is removed only after its successor is on disk, so a
  kill at any moment leaves a complete checkpoint to resume from.
* :class:`CheckInvalidLossHook` (MMDetection's, same name in the ``mmfg``
  scope, checking every iteration by default): a NaN/Inf loss stops the run
  with the iteration and the last finite loss instead of an assertion.
* :class:`BadImageReportHook`: reports the images skipped by
  ``LoadImageFromFile(skip_bad_images=True)`` after every epoch.
"""
import math
import os.path as osp

import torch
from mmdet.engine.hooks import CheckInvalidLossHook as _MMDetInvalidLossHook
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as _MMEngineCheckpointHook
from mmengine.hooks import Hook

from mmfg.registry import HOOKS
from mmfg.utils.errors import TrainingError
from .checkpoint import atomic_write_text


@HOOKS.register_module()
class CheckpointHook(_MMEngineCheckpointHook):
    """MMEngine's ``CheckpointHook`` with kill-safe file handling (see the
    module docstring); same arguments."""

    def _save_checkpoint_with_step(self, runner, step, meta):
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if stale is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(stale))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)


@HOOKS.register_module()
class CheckInvalidLossHook(_MMDetInvalidLossHook):
    """Stop training when the loss becomes NaN or Inf.

    MMDetection's hook, checking every ``interval`` iterations (default:
    every one; ``isfinite`` of a scalar costs nothing), raising a
    :class:`~mmfg.utils.errors.TrainingError` that names the iteration and
    the last finite loss and says what to change.
    """

    def __init__(self, interval=1):
        super().__init__(interval=interval)
        self.last_finite = None

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        loss = (outputs or {}).get('loss')
        if loss is None:
            return
        value = float(loss.detach().float().mean()) if isinstance(
            loss, torch.Tensor) else float(loss)
        if math.isfinite(value):
            self.last_finite = (runner.iter + 1, value)
            return
        if not self.every_n_train_iters(runner, self.interval):
            return
        last = ('no finite loss was seen before' if self.last_finite is None
                else f'the last finite loss was {self.last_finite[1]:.6g} at '
                f'iteration {self.last_finite[0]}')
        lr = ''
        try:
            lrs = runner.optim_wrapper.get_lr()
            lr = f', now {next(iter(lrs.values()))[0]:.3g}'
        except Exception:  # noqa: BLE001 - lr only decorates the message
            pass
        raise TrainingError(
            f'the training loss became {value} at iteration '
            f'{runner.iter + 1} (epoch {runner.epoch + 1}); {last}. Lower '
            f'the learning rate (optim_wrapper.optimizer.lr{lr}), add '
            'gradient clipping (optim_wrapper.clip_grad=dict(max_norm=...)) '
            'or check the data for NaN/Inf values, then resume from the '
            'last checkpoint before it diverged (--resume FILE)')


@HOOKS.register_module()
class BadImageReportHook(Hook):
    """Log how many undecodable images ``LoadImageFromFile`` skipped
    (``skip_bad_images=True``) after every training epoch and at the end.
    :class:`FGRunner` adds it when the option is on."""

    priority = 'LOW'

    def __init__(self):
        self.reported = 0

    @staticmethod
    def _loaders(runner):
        from mmfg.datasets.transforms.loading import bad_image_loaders
        return bad_image_loaders(runner.train_dataloader.dataset)

    def _count(self, runner):
        return sum(t.skipped for t in self._loaders(runner))

    def after_train_epoch(self, runner):
        total = self._count(runner)
        if total > self.reported:
            runner.logger.warning(
                f'skip_bad_images: {total - self.reported} undecodable '
                f'image(s) skipped in epoch {runner.epoch + 1} ({total} so '
                'far; '
                'their names are in the warnings above)')
        self.reported = total

    def after_train(self, runner):
        total = self._count(runner)
        runner.logger.info(
            f'skip_bad_images: {total} undecodable image(s) skipped in '
            'this run')
