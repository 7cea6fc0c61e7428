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

    Args:
        interval (int): check every ``interval`` training iterations.
            Defaults to 1.
    """

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval
        self.last_finite = None

    def after_train_iter(self,
                         runner: 'Runner',
                         batch_idx: int,
                         data_batch: Optional[Union[dict, tuple, list]] = None,
                         outputs: Optional[dict] = None) -> None:
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
            'last checkpoint before it diverged with the new settings '
            '(--resume FILE --cfg-options optim_wrapper.optimizer.lr=...: '
            'on --resume the config\'s optimizer and schedule settings '
            'replace the checkpoint\'s)')
