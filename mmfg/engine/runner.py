"""The runner every mmfg config uses (``runner_type = 'FGRunner'``).

MMEngine's ``Runner``, wired to mmfg's checks (one concern per module):

* config keys a class does not take become one-line errors
  (:mod:`.config_diagnosis`);
* the model's class count is checked against the data before the first
  iteration (:class:`~.hooks.ClassNumCheckHook`, added unless
  ``check_class_count = False``);
* checkpoints load under torch >= 2.6, and one that is truncated, corrupt,
  of the wrong kind or of another model names the file and what it holds
  (:mod:`.checkpoint`);
* a kill loses nothing: checkpoints are written to a temporary name and
  renamed, a full disk says so, and ``--resume`` without a file takes the
  newest complete checkpoint (:mod:`.checkpoint_files`);
* ``skip_bad_images = True`` (top-level config key) skips and counts
  undecodable training images (:mod:`mmfg.datasets.transforms.loading`,
  :class:`~.hooks.BadImageReportHook`);
* ``--resume`` applies the config's optimizer and schedule settings and
  names what changed, refuses another optimizer type and a run with
  nothing left to train (:mod:`.resume_check`);
* one training run per work dir (:mod:`.work_dir_lock`);
* Ctrl-C and SIGTERM stop at once with one line (:mod:`.signals`);
* a full disk leaves the log and ``scalars.json`` parseable
  (:mod:`.log_files`).
"""
import copy
import logging
import os
import os.path as osp
import sys

import torch
from mmengine.dist import is_main_process, master_only
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.optim.scheduler import _ParamScheduler
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmengine.utils import digit_version

from mmfg.datasets.transforms.loading import (skip_bad_images_in,
                                              tag_image_loaders)
from mmfg.registry import RUNNERS
from .checkpoint import (check_checkpoint_fits, check_pretrained_files,
                         check_resume_checkpoint, checkpoint_safe_globals,
                         config_as_text, read_checkpoint)
from .checkpoint_files import (find_resumable_checkpoint, is_local,
                               remove_partial_files, save_atomically)
from .config_diagnosis import explain_config_errors, explains_config_errors
from .hooks import BadImageReportHook, ClassNumCheckHook, label_out_of_range
from .log_files import guard_logger, guard_visualizer
from .resume_check import (apply_config_on_resume, check_optimizer_state,
                           check_something_to_train, flat_schedulers,
                           schedulers_of, snapshot)
from .signals import (StopCheckHook, StopTraining, await_launcher_stop,
                      deferred, end_child_processes, peer_lost,
                      stop_on_signals, stop_requested)
from .work_dir_lock import WorkDirLock

#: torch >= 2.6 loads with ``weights_only=True`` by default
TORCH_LOADS_WEIGHTS_ONLY = digit_version(
    torch.__version__.split('+')[0]) >= digit_version('2.6.0')


@RUNNERS.register_module()
class FGRunner(Runner):
    """MMEngine ``Runner`` with clear errors and kill-safe checkpoints (see
    the module docstring); same arguments."""

    _strict_load = False
    _resuming = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.cfg.get('check_class_count', True) and not any(
                isinstance(h, ClassNumCheckHook) for h in self.hooks):
            self.register_hook(ClassNumCheckHook())

    @classmethod
    def from_cfg(cls, cfg):
        with explain_config_errors(cfg):
            return super().from_cfg(cfg)

    build_train_loop = explains_config_errors(Runner.build_train_loop)
    build_val_loop = explains_config_errors(Runner.build_val_loop)
    build_test_loop = explains_config_errors(Runner.build_test_loop)
    build_optim_wrapper = explains_config_errors(Runner.build_optim_wrapper)
    build_param_scheduler = explains_config_errors(
        Runner.build_param_scheduler)

    def set_randomness(self, seed, diff_rank_seed=False, deterministic=False):
        """MMEngine's (``deterministic=True``: cuDNN deterministic, its
        benchmark mode off, ``torch.use_deterministic_algorithms(True)``);
        with ``deterministic=True`` it also sets
        ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` when unset, which CUDA >= 10.2
        needs for deterministic cuBLAS matmuls (without it
        ``use_deterministic_algorithms`` raises at the first one). Set
        before the model is built, so before cuBLAS starts."""
        if deterministic:
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
        return super().set_randomness(
            seed, diff_rank_seed=diff_rank_seed, deterministic=deterministic)

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        """MMEngine's; then the image loaders of the dataset learn its name
        for their messages. ``pin_memory=True`` (the FGVC configs' GPU
        default) is dropped on a machine without a GPU, where torch would
        only warn that it cannot pin."""
        if isinstance(dataloader, dict) and dataloader.get('pin_memory') \
                and not torch.cuda.is_available():
            dataloader = copy.copy(dataloader)
            dataloader['pin_memory'] = False
        loader = Runner.build_dataloader(
            dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        tag_image_loaders(loader.dataset)
        return loader

    def build_logger(self, *args, **kwargs):
        """MMEngine's; its log file is written whole lines at a time (a
        full disk: one error, the file parseable; :mod:`.log_files`)."""
        return guard_logger(super().build_logger(*args, **kwargs))

    def build_visualizer(self, *args, **kwargs):
        """MMEngine's; ``scalars.json`` is appended whole lines at a time
        (:mod:`.log_files`)."""
        return guard_visualizer(super().build_visualizer(*args, **kwargs))

    def train(self):
        """MMEngine's, holding the work dir's lock (rank 0;
        :class:`WorkDirLock`), with SIGINT/SIGTERM stopping at once with
        one line (:mod:`.signals`)."""
        lock = None
        if is_main_process():
            lock = WorkDirLock(self.work_dir).acquire(self.logger)
        try:
            immediate = 'TORCHELASTIC_RUN_ID' in os.environ
            with stop_on_signals(
                    immediate=immediate,
                    cleanup=[lock.release] if lock else []):
                if not any(isinstance(h, StopCheckHook) for h in self.hooks):
                    self.register_hook(StopCheckHook())
                try:
                    return self._train()
                except StopTraining as stop:
                    self._stop(stop, lock)
                except Exception as exc:
                    if stop_requested() is None:
                        if immediate and peer_lost(exc):
                            # torchrun is about to stop this process and
                            # report the one that died: no traceback here
                            await_launcher_stop()
                        raise
                    self._stop(StopTraining(stop_requested()), lock)
        finally:
            if lock is not None:
                lock.release()

    def _train(self):
        if self.cfg.get('skip_bad_images', False) and skip_bad_images_in(
                self._train_dataloader):
            self.register_hook(BadImageReportHook())
        try:
            return super().train()
        except IndexError as exc:
            err = label_out_of_range(exc, self.iter + 1)
            if err is None:
                raise
            raise err from None

    def _stop(self, stop, lock=None):
        """End the data workers, say how to continue (one line), close the
        logs, release the lock and exit with 128 + the signal at once (the
        interpreter's own teardown of torch & co. takes over a second)."""
        end_child_processes()
        latest = find_resumable_checkpoint(self.work_dir)
        where = (f'the checkpoints in {self.work_dir} are complete; run '
                 'the same command with --resume to continue from '
                 f'{latest}' if latest else
                 'no checkpoint was written yet; run the same command to '
                 'start again')
        print(
            f'stopped by {stop.name} in epoch {self.epoch + 1} '
            f'(iteration {self.iter + 1}); {where}',
            file=sys.stderr,
            flush=True)
        for close in (self.visualizer.close, logging.shutdown,
                      sys.stdout.flush, sys.stderr.flush):
            try:
                close()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        if lock is not None:
            lock.release()
        os._exit(stop.exit_status)

    def test(self):
        # the checkpoint of tools/test.py must be this model's, entirely
        self._strict_load = True
        return super().test()

    def val(self):
        self._strict_load = True
        return super().val()

    def load_or_resume(self):
        """MMEngine's; ``--resume`` without a file takes the newest complete
        checkpoint of the work dir (and removes partial files)."""
        if not self._has_loaded and self._resume and self._load_from is None:
            found = find_resumable_checkpoint(self.work_dir, self.logger)
            if found is None:
                self.logger.info(f'--resume: no complete checkpoint in '
                                 f'{self.work_dir}; training from scratch')
                self._resume = False
            else:
                self._load_from = found
                self.logger.info(f'--resume: the latest complete checkpoint '
                                 f'is {found}')
            if is_main_process():
                remove_partial_files(self.work_dir)
        super().load_or_resume()

    def load_checkpoint(self,
                        filename,
                        map_location='cpu',
                        strict=False,
                        revise_keys=[(r'^module.', '')]):
        """MMEngine's, reading the file with :func:`read_checkpoint` (clear
        errors for truncated/corrupt/foreign files) and checking with
        :func:`check_checkpoint_fits` that it holds this model's weights
        (all of them, with their shapes, when testing or resuming). The
        config stored in the file is returned as text only
        (:func:`config_as_text`), so ``--resume`` never executes it."""
        if not is_local(filename) or not osp.isfile(filename):
            if is_local(filename):
                raise FileNotFoundError(
                    f'checkpoint {filename} does not exist')
            with checkpoint_safe_globals():
                return config_as_text(super().load_checkpoint(
                    filename, map_location, strict, revise_keys))
        checkpoint = read_checkpoint(filename, map_location=map_location)
        if self._resuming:
            check_resume_checkpoint(checkpoint, filename)
            self._check_resume_state(checkpoint, filename)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        check_checkpoint_fits(
            model,
            checkpoint,
            filename,
            strict=strict or self._strict_load or self._resuming,
            revise_keys=revise_keys)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        # the stored config is text, never code (Runner.resume would exec it)
        return config_as_text(checkpoint)

    def _built_for_training(self):
        schedulers = self.param_schedulers
        return isinstance(self.optim_wrapper, OptimWrapper) and all(
            isinstance(s, _ParamScheduler)
            for s in flat_schedulers(schedulers))

    def _check_resume_state(self, checkpoint, filename):
        """Before ``Runner.resume`` loads it: refuse an optimizer state of
        another type (:func:`check_optimizer_state`); keep the checkpoint's
        param scheduler states to compare with the config's."""
        self._saved_schedulers = None
        if not self._built_for_training():
            return
        check_optimizer_state(self.optim_wrapper, checkpoint.get('optimizer'),
                              filename)
        saved = checkpoint.get('param_schedulers')
        if isinstance(saved, dict) and isinstance(self.param_schedulers, dict):
            saved = [
                st for name in self.param_schedulers
                for st in saved.get(name, [])
            ]
        if isinstance(saved, list):
            self._saved_schedulers = copy.deepcopy(saved)

    def resume(self, filename, *args, **kwargs):
        """MMEngine's (never executing the config text of the file), then
        :mod:`.resume_check`: a run with nothing left to train is refused,
        and the config's optimizer/schedule settings apply (one warning
        names what changed from the checkpoint)."""
        self._resuming = True
        self._saved_schedulers = None
        fresh = snapshot(self) if self._built_for_training() else None
        try:
            with checkpoint_safe_globals():
                super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False
        if self._train_loop is not None and not isinstance(
                self._train_loop, dict):
            check_something_to_train(self, filename)
        if fresh is not None and schedulers_of(self) is not None:
            line = apply_config_on_resume(self, fresh, filename,
                                          self._saved_schedulers)
            if line:
                self.logger.warning(line)

    def _init_model_weights(self):
        """MMEngine's; a pretrained file (``init_cfg=dict(type='Pretrained',
        checkpoint=...)``) that cannot be loaded is named, with what it
        holds (e.g. a training checkpoint where weights are expected).

        Before torch 2.6, ``torch.load`` (which MMEngine calls) unpickles
        without restriction: local pretrained files are then read as data
        first (:func:`check_pretrained_files`), so a crafted file is refused
        before MMEngine loads it."""
        if not TORCH_LOADS_WEIGHTS_ONLY:
            check_pretrained_files(self.cfg)
        try:
            return super()._init_model_weights()
        except Exception:
            check_pretrained_files(self.cfg)
            raise

    @master_only
    def save_checkpoint(self,
                        out_dir,
                        filename,
                        file_client_args=None,
                        *args,
                        backend_args=None,
                        **kwargs):
        """MMEngine's; into a local folder with :func:`save_atomically`
        (temporary name, then rename; a full disk is a TrainingError)."""
        parent = super().save_checkpoint

        def save(name):
            return parent(
                out_dir,
                name,
                file_client_args,
                *args,
                backend_args=backend_args,
                **kwargs)

        local = (
            file_client_args is None and is_local(out_dir)
            and (backend_args or {}).get('backend', 'local') == 'local')
        if not local:
            return save(filename)
        with deferred():  # a stop signal waits for a complete file
            save_atomically(
                save,
                out_dir,
                filename,
                previous=self.message_hub.get_info('last_ckpt'))


__all__ = ['FGRunner']
