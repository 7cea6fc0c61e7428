"""Stop training with a clear message when the loss becomes NaN or Inf."""
import math
from typing import TYPE_CHECKING, Optional, Union

import torch
from mmengine.hooks import Hook

from mmfg.registry import HOOKS
from mmfg.utils.errors import TrainingError

if TYPE_CHECKING:
    from mmengine.runner import Runner


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Stop training when the loss becomes NaN or Inf.

    MMDetection's ``CheckInvalidLossHook`` (same name and argument), written
    on MMEngine's ``Hook`` so that a training run does not import
    MMDetection: it checks every ``interval`` iterations (default: every
    one; ``isfinite`` of a scalar costs nothing) and raises a
    :class:`~mmfg.utils.errors.TrainingError` that names the iteration and
    the last finite loss and says what to change, instead of an assertion.

    No host-device synchronisation of its own: MMEngine's
    ``RuntimeInfoHook`` (a higher priority) already reads every loss for the
    log each iteration, and this hook takes that value from the message
    hub. Without such a reader, the loss is recorded on its device
    (``torch.isfinite``, the last finite value, the first non-finite one)
    and read every ``interval`` iterations; the error then names the first
    non-finite iteration.

    Args:
        interval (int): check every ``interval`` training iterations.
            Defaults to 1.
    """

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval
        self.last_finite = None
        self._logged = None  # does RuntimeInfoHook read the loss first?
        self._state = None  # device-side record, see _accumulate

    @staticmethod
    def _reads_loss_first(runner) -> bool:
        from mmengine.hooks import RuntimeInfoHook
        hooks = getattr(runner, 'hooks', None) or []
        for hook in hooks:  # sorted by priority: the first one wins
            if isinstance(hook, RuntimeInfoHook):
                return True
            if hook is not None and hook.__class__ is CheckInvalidLossHook:
                return False
        return False

    def _accumulate(self, loss: torch.Tensor, it: int) -> None:
        """Record on the loss's device, without reading it, a float32
        ``(4,)``: the last finite loss and its iteration, the first
        non-finite loss and its iteration (iterations -1: none yet)."""
        loss = loss.detach().float().mean()
        state = self._state
        if state is None or state.device != loss.device:
            state = torch.tensor([0., -1., 0., -1.], device=loss.device)
        finite = torch.isfinite(loss)
        before = state[3] < 0  # no non-finite loss yet
        clean, first_bad = finite & before, ~finite & before
        it = torch.full((), float(it), device=loss.device)
        self._state = torch.stack([
            torch.where(clean, loss, state[0]),
            torch.where(clean, it, state[1]),
            torch.where(first_bad, loss, state[2]),
            torch.where(first_bad, it, state[3])
        ])

    def after_train_iter(self,
                         runner: 'Runner',
                         batch_idx: int,
                         data_batch: Optional[Union[dict, tuple, list]] = None,
                         outputs: Optional[dict] = None) -> None:
        loss = (outputs or {}).get('loss')
        if loss is None:
            return
        it = runner.iter + 1
        if isinstance(loss, torch.Tensor):
            if self._logged is None:
                self._logged = self._reads_loss_first(runner)
            if not self._logged:
                # nobody reads the loss: record it on its device and read
                # the record every ``interval`` iterations only
                self._accumulate(loss, it)
                if not self.every_n_train_iters(runner, self.interval):
                    return
                last, last_it, bad, bad_it = self._state.tolist()
                if last_it > 0:
                    self.last_finite = (int(last_it), last)
                if bad_it > 0:
                    self._stop(runner, bad, int(bad_it))
                return
            # MMEngine's RuntimeInfoHook (a higher priority) has just read
            # this loss for the log: its value, no second host sync
            value = runner.message_hub.get_scalar('train/loss').current()
        else:
            value = float(loss)
        if math.isfinite(value):
            self.last_finite = (it, value)
            return
        if self.every_n_train_iters(runner, self.interval):
            self._stop(runner, value, it)

    def _stop(self, runner: 'Runner', value: float, it: int) -> None:
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
            f'{it} (epoch {runner.epoch + 1}); {last}. Lower '
            f'the learning rate (optim_wrapper.optimizer.lr{lr}), add '
            'gradient clipping (optim_wrapper.clip_grad=dict(max_norm=...)) '
            'or check the data for NaN/Inf values, then resume from the '
            'last checkpoint before it diverged with the new settings '
            '(--resume FILE --cfg-options optim_wrapper.optimizer.lr=...: '
            'on --resume the config\'s optimizer and schedule settings '
            'replace the checkpoint\'s)')
