"""MMEngine's ``CheckpointHook`` (registered under its name in the ``mmfg``
scope) with kill-safe file handling: ``last_checkpoint`` is written
atomically and only after the checkpoint it names is complete
(:meth:`mmfg.engine.FGRunner.save_checkpoint` writes to a temporary name and
renames), and a checkpoint beyond ``max_keep_ckpts`` is removed only after
its successor is on disk, so a kill at any moment leaves a complete
checkpoint to resume from. A stop signal (Ctrl-C, SIGTERM) that arrives
while a checkpoint and ``last_checkpoint`` are written waits until both are
(:func:`mmfg.engine.signals.deferred`).
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as _MMEngineCheckpointHook

from mmfg.registry import HOOKS
from ..checkpoint_files import atomic_write_text
from ..signals import deferred


@HOOKS.register_module()
class CheckpointHook(_MMEngineCheckpointHook):
    """MMEngine's ``CheckpointHook`` with kill-safe file handling (see the
    module docstring); same arguments."""

    def _save_checkpoint_with_step(self, runner, step, meta):
        with deferred():
            self._save_and_rotate(runner, step, meta)

    def _save_and_rotate(self, runner, step, meta):
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
