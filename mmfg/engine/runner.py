"""The runner every mmfg config uses (``runner_type = 'FGRunner'``).

MMEngine's ``Runner`` plus:

* its own checkpoints load under torch >= 2.6 (:mod:`.checkpoint`);
* clear errors (:mod:`mmfg.utils.errors`, ``docs/troubleshooting.md``): a
  config key the class does not take names its key path, the accepted
  arguments and the closest one; the model's class count is checked
  against the data before the first iteration; a checkpoint that is
  truncated, corrupt or of the wrong kind names the file and what it holds;
  a full disk while saving says so;
* a kill loses nothing: checkpoints are written to a temporary name and
  renamed (:meth:`save_checkpoint`), ``last_checkpoint`` is written after
  the file it names is complete (:class:`~mmfg.engine.hooks.CheckpointHook`)
  and ``--resume`` without a file takes the newest complete checkpoint
  (:func:`~.checkpoint.find_resumable_checkpoint`);
* ``skip_bad_images = True`` (top-level config key) skips and counts
  undecodable training images (:mod:`mmfg.datasets.transforms.loading`).
"""
import errno
import functools
import glob
import inspect
import os
import os.path as osp
import random
import re
import shutil
from contextlib import contextmanager

import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmfg.registry import RUNNERS
from mmfg.utils.errors import (CheckpointError, ConfigError, TrainingError,
                               explain_type_error, find_key_paths)
from .checkpoint import (check_checkpoint_fits, checkpoint_safe_globals,
                         find_resumable_checkpoint, read_checkpoint, tmp_name)

# Top-level config keys the runner (or mmfg's tools) read besides the
# Runner's own arguments: ``--cfg-options`` may set them.
RUNNER_KEYS = tuple(
    p
    for p in inspect.signature(Runner.__init__).parameters if p != 'self') + (
        'runner_type', 'custom_imports', 'skip_bad_images',
        'model_wrapper_cfg', 'find_unused_parameters', 'compile',
        'activation_checkpointing', 'efficient_conv_bn_eval', 'gpu_ids',
        'strategy', 'num_classes', 'check_class_count')


@contextmanager
def explain_config_errors(cfg):
    """Turn ``TypeError``s of classes built from ``cfg`` (a key the class
    does not take, a missing argument) into a :class:`ConfigError`."""
    try:
        yield
    except TypeError as exc:
        err = explain_type_error(exc, cfg)
        if err is None:
            raise
        raise err from exc


def _explained(method):

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with explain_config_errors(self.cfg):
            return method(self, *args, **kwargs)

    return wrapper


def _is_local(path):
    return isinstance(path, str) and '://' not in path


@RUNNERS.register_module()
class FGRunner(Runner):
    """MMEngine ``Runner`` with clear errors and kill-safe checkpoints (see
    the module docstring); same arguments."""

    _strict_load = False
    _resuming = False

    @classmethod
    def from_cfg(cls, cfg):
        with explain_config_errors(cfg):
            return super().from_cfg(cfg)

    # ------------------------------------------------------------------
    # builds: config keys a class does not take
    # ------------------------------------------------------------------
    build_train_loop = _explained(Runner.build_train_loop)
    build_val_loop = _explained(Runner.build_val_loop)
    build_test_loop = _explained(Runner.build_test_loop)
    build_optim_wrapper = _explained(Runner.build_optim_wrapper)
    build_param_scheduler = _explained(Runner.build_param_scheduler)

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        """MMEngine's; then the image loaders of the dataset learn its name
        for their messages."""
        from mmfg.datasets.transforms.loading import tag_image_loaders
        loader = Runner.build_dataloader(
            dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        tag_image_loaders(loader.dataset)
        return loader

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------
    def train(self):
        if self.cfg.get('skip_bad_images', False):
            self._enable_skip_bad_images()
        try:
            return super().train()
        except IndexError as exc:
            # the safety net behind check_class_count (a model whose class
            # count it could not read): CrossEntropy's "Target 6 is out of
            # bounds"
            found = re.search(r'Target (-?\d+) is out of bounds', str(exc))
            if not found:
                raise
            raise ConfigError(
                f'label {found.group(1)} of the training data is out of the '
                'range of the model\'s outputs (at iteration '
                f'{self.iter + 1}): the model has fewer classes than the '
                'data; set the num_classes of its head (or backbone) to the '
                'dataset\'s class count') from None

    def test(self):
        # the checkpoint of tools/test.py must be this model's, entirely
        self._strict_load = True
        return super().test()

    def val(self):
        self._strict_load = True
        return super().val()

    def _enable_skip_bad_images(self):
        from .hooks import BadImageReportHook
        loader = self._train_dataloader
        if not isinstance(loader, dict):
            return

        def walk(node):
            if isinstance(node, dict):
                for t in node.get('pipeline') or []:
                    if isinstance(t, dict) and str(t.get(
                            'type', '')).split('.')[-1] == 'LoadImageFromFile':
                        t['type'] = 'mmfg.LoadImageFromFile'
                        t['skip_bad_images'] = True
                for value in node.values():
                    walk(value)
            elif isinstance(node, (list, tuple)):
                for value in node:
                    walk(value)

        walk(loader.get('dataset'))
        self.register_hook(BadImageReportHook())

    # ------------------------------------------------------------------
    # class count: model vs data, before the first iteration
    # ------------------------------------------------------------------
    def load_or_resume(self):
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
            self._remove_partial_files()
        super().load_or_resume()
        if self.cfg.get('check_class_count', True):
            self.check_class_count()

    @master_only
    def _remove_partial_files(self):
        for path in glob.glob(osp.join(self.work_dir, '.*.tmp')):
            try:
                os.remove(path)
            except OSError:
                pass

    def _loaders_to_check(self):
        names = []
        if self._train_loop is not None and not isinstance(
                self._train_loop, dict):
            names += ['train_dataloader', 'val_dataloader']
        elif self._test_loop is not None and not isinstance(
                self._test_loop, dict):
            names = ['test_dataloader']
        elif self._val_loop is not None and not isinstance(
                self._val_loop, dict):
            names = ['val_dataloader']
        loops = dict(
            train_dataloader=self._train_loop,
            val_dataloader=self._val_loop,
            test_dataloader=self._test_loop)
        out = []
        for name in names:
            loop = loops[name]
            if loop is None or isinstance(loop, dict):
                continue
            out.append((name, loop.dataloader.dataset))
        return out

    def check_class_count(self):
        """Raise :class:`ConfigError` when the model's number of outputs
        differs from the class count of a dataset of this run (its
        ``metainfo['classes']`` and the labels of its annotation)."""
        datasets = self._loaders_to_check()
        if not datasets:
            return
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        n_out, source = self._num_outputs(model, datasets[0][1])
        if n_out is None:
            return
        for name, dataset in datasets:
            classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
            n_cls = len(classes) if classes else None
            labels = _gt_labels(dataset)
            top = int(labels.max()) if labels is not None and len(labels) \
                else None
            needed = max(n_cls or 0, (top + 1) if top is not None else 0)
            if not needed or needed == n_out:
                continue
            keys = [
                p for p in find_key_paths(
                    self.cfg.get('model'), 'num_classes', prefix='model') +
                find_key_paths(
                    self.cfg.get('data_preprocessor'),
                    'num_classes',
                    prefix='data_preprocessor')
                if _get_path(self.cfg, p) == n_out
            ]
            seen = (f' (labels {int(labels.min())}..{top} in its '
                    'annotation)' if top is not None else '')
            count = f'{n_cls} classes' if n_cls else f'{needed} classes'
            if keys:
                fix = ('set ' + ', '.join(f'{k}={needed}' for k in keys) +
                       ' (--cfg-options ' + ' '.join(f'{k}={needed}'
                                                     for k in keys) + ')')
            else:
                fix = f'set num_classes={needed} in the model\'s head'
            what = (', '.join(f'{k}={n_out}'
                              for k in keys) if keys else source)
            raise ConfigError(
                f'class count mismatch: the model predicts {n_out} classes '
                f'({what}) but {name}.dataset ({type(dataset).__name__}) '
                f'has {count}{seen}; {fix}')

    def _num_outputs(self, model, dataset):
        """The model's class count: its head's ``num_classes``, else the
        width of its output on one real sample when a ``num_classes`` of
        the model config has that value; (None, '') when unknown."""
        head = getattr(model, 'head', None)
        n = getattr(head, 'num_classes', None)
        if isinstance(n, int) and n > 0:
            return n, f'{type(head).__name__}.num_classes'
        configured = {
            _get_path(self.cfg, p)
            for p in find_key_paths(
                self.cfg.get('model'), 'num_classes', prefix='model')
        }
        if not configured:
            return None, ''
        width = _output_width(model, dataset)
        if width in configured:
            return width, f'its output on a batch of the data is {width} wide'
        return None, ''

    # ------------------------------------------------------------------
    # checkpoints
    # ------------------------------------------------------------------
    def load_checkpoint(self,
                        filename,
                        map_location='cpu',
                        strict=False,
                        revise_keys=[(r'^module.', '')]):
        """MMEngine's, reading the file with :func:`read_checkpoint` (clear
        errors for truncated/corrupt/foreign files) and checking with
        :func:`check_checkpoint_fits` that it holds this model's weights
        (all of them, with their shapes, when testing or resuming)."""
        if not _is_local(filename) or not osp.isfile(filename):
            if _is_local(filename):
                raise FileNotFoundError(
                    f'checkpoint {filename} does not exist')
            with checkpoint_safe_globals():
                return super().load_checkpoint(filename, map_location, strict,
                                               revise_keys)
        checkpoint = read_checkpoint(filename, map_location=map_location)
        if self._resuming and not (isinstance(checkpoint, dict)
                                   and 'meta' in checkpoint):
            raise CheckpointError(
                f'--resume {filename}: the file holds no training state '
                '(plain weights, no "meta"/"optimizer"); --resume needs a '
                'checkpoint written by tools/train.py. To start a new run '
                f'from these weights use --cfg-options load_from={filename}')
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
        return checkpoint

    def resume(self, *args, **kwargs):
        self._resuming = True
        try:
            with checkpoint_safe_globals():
                return super().resume(*args, **kwargs)
        finally:
            self._resuming = False

    def _init_model_weights(self):
        """MMEngine's; a pretrained file (``init_cfg=dict(type='Pretrained',
        checkpoint=...)``) that cannot be loaded is named, with what it
        holds (e.g. a training checkpoint where weights are expected)."""
        try:
            return super()._init_model_weights()
        except Exception:
            for path in find_key_paths(
                    self.cfg.get('model'), 'checkpoint', prefix='model'):
                if '.init_cfg' not in path:
                    continue
                file = _get_path(self.cfg, path)
                if _is_local(file) and osp.isfile(file):
                    try:
                        read_checkpoint(file, allow_training_state=False)
                    except CheckpointError as exc:
                        raise CheckpointError(f'{path}: {exc}') from None
            raise

    @master_only
    def save_checkpoint(self,
                        out_dir,
                        filename,
                        file_client_args=None,
                        *args,
                        backend_args=None,
                        **kwargs):
        """MMEngine's, written to a temporary name and renamed when
        complete (local folders), so that a kill while saving never leaves
        a partial file under a checkpoint's name; a full disk stops the run
        with a :class:`TrainingError` and leaves the earlier checkpoints
        intact."""
        local = (
            file_client_args is None and _is_local(out_dir)
            and (backend_args or {}).get('backend', 'local') == 'local')
        if not local:
            return super().save_checkpoint(
                out_dir,
                filename,
                file_client_args,
                *args,
                backend_args=backend_args,
                **kwargs)
        final = osp.join(out_dir, filename)
        tmp = tmp_name(final)
        try:
            super().save_checkpoint(
                out_dir,
                osp.basename(tmp),
                file_client_args,
                *args,
                backend_args=backend_args,
                **kwargs)
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
            previous = self.message_hub.get_info('last_ckpt')
            keep = (f'; the previous checkpoint {previous} is intact'
                    if previous and osp.isfile(previous) and previous != final
                    else '')
            raise TrainingError(
                f'out of disk space while saving checkpoint {final} '
                f'({free} in {out_dir}){keep}. Free some space, or save '
                'elsewhere (--work-dir DIR or --cfg-options '
                'default_hooks.checkpoint.out_dir=DIR) or keep fewer '
                'checkpoints (default_hooks.checkpoint.max_keep_ckpts=1), '
                'then continue with --resume') from None


def _get_path(cfg, path):
    node = cfg
    for part in path.split('.'):
        if isinstance(node, (list, tuple)):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def _gt_labels(dataset):
    """All labels of ``dataset`` (np.ndarray) or None when it has none."""
    get = getattr(dataset, 'get_gt_labels', None)
    if get is None:
        return None
    try:
        labels = np.asarray(get())
    except Exception:  # noqa: BLE001 - multi-label or unlabeled datasets
        return None
    if labels.dtype.kind not in 'iu' or labels.ndim != 1:
        return None
    return labels


def _output_width(model, dataset):
    """Width of the model's output (``mode='tensor'``, eval mode, no grad)
    on the first samples of ``dataset``; None when not a (B, C) tensor. The
    random generators are restored afterwards."""
    from mmengine.dataset import pseudo_collate
    states = (random.getstate(), np.random.get_state(),
              torch.random.get_rng_state())
    was_training = model.training
    try:
        # two samples: some models squeeze a batch of one (LeNet5)
        batch = pseudo_collate(
            [dataset[i] for i in range(min(2, len(dataset)))])
        model.eval()
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            out = model(**data, mode='tensor')
    except Exception:  # noqa: BLE001 - the check must never block a run
        return None
    finally:
        model.train(was_training)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])
    if isinstance(out, (list, tuple)) and out:
        out = out[-1]
    if isinstance(out, torch.Tensor) and out.ndim == 2:
        return int(out.shape[1])
    return None


__all__ = ['FGRunner', 'RUNNER_KEYS', 'explain_config_errors', 'TrainingError']
