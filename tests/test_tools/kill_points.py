"""A test-only hook that SIGKILLs its own training process at a chosen
point, to test that a killed run loses nothing.

``MMFG_TEST_KILL=<point>:<epoch>:<iter>[:<rank>]`` (nothing happens when it
is unset):

* ``iter``: inside the model's forward of training iteration ``<iter>``
  (1-based) of epoch ``<epoch>``;
* ``val``: inside the forward of validation iteration ``<iter>`` after
  epoch ``<epoch>``;
* ``save``: while the checkpoint of epoch ``<epoch>`` is being written: half
  of its bytes are on disk when the process dies.

``<rank>`` (default: every rank) restricts the kill to one process of a
distributed run.
"""
import os
import signal

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfg.registry import HOOKS


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _spec():
    value = os.environ.get('MMFG_TEST_KILL')
    if not value:
        return None
    parts = value.split(':')
    rank = int(parts[3]) if len(parts) > 3 else None
    if rank is not None and rank != get_rank():
        return None
    return parts[0], int(parts[1]), int(parts[2])


@HOOKS.register_module()
class KillPointHook(Hook):
    priority = 'VERY_LOW'

    def _kill_in_forward(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.register_forward_hook(lambda *args: _die())

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        spec = _spec()
        if spec and spec[0] == 'iter' and spec[1] == runner.epoch + 1 \
                and spec[2] == batch_idx + 1:
            self._kill_in_forward(runner)

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        spec = _spec()
        if spec and spec[0] == 'val' and spec[1] == runner.epoch \
                and spec[2] == batch_idx + 1:
            self._kill_in_forward(runner)

    def before_save_checkpoint(self, runner, checkpoint):
        spec = _spec()
        if not (spec and spec[0] == 'save'
                and spec[1] == checkpoint['meta']['epoch']):
            return
        from mmengine.fileio.backends import LocalBackend

        def put_half(backend, obj, filepath):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
                os.fsync(f.fileno())
            _die()

        LocalBackend.put = put_half
