"""Training schedule of the FVE model's auxiliary loss weight (Korsch et
al.; "w_aux 0.5 halved every 20 epochs" from the public description of the
authors' scripts)."""
from typing import TYPE_CHECKING

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfg.registry import HOOKS
from mmfg.utils.errors import ConfigError

if TYPE_CHECKING:
    from mmengine.runner import Runner


@HOOKS.register_module()
class AuxLossWeightHook(Hook):
    """Set ``aux_weight`` of every module that has one (the
    :class:`~mmfg.models.heads.FVEClsHead`) before each training epoch:
    ``aux_weight = init_aux_weight * factor ** (epoch // interval)``
    (``epoch`` 0-based), i.e. 0.5, 0.25, 0.125 over a 60-epoch run with
    ``interval=20, factor=0.5``.

    The weight is a function of the epoch only, so a resumed run gets the
    same value as an uninterrupted one.

    Args:
        interval (int): epochs between two changes. Defaults to 20.
        factor (float): multiplier per interval. Defaults to 0.5.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 20, factor: float = 0.5) -> None:
        if interval < 1:
            raise ConfigError(f'AuxLossWeightHook: interval must be >= 1 '
                              f'epoch, got {interval}')
        self.interval = int(interval)
        self.factor = float(factor)

    def weight(self, init: float, epoch: int) -> float:
        return init * self.factor**(epoch // self.interval)

    def before_train_epoch(self, runner: 'Runner') -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        heads = [
            m for m in model.modules()
            if hasattr(m, 'aux_weight') and hasattr(m, 'init_aux_weight')
        ]
        if not heads:
            raise ConfigError('AuxLossWeightHook: the model has no module '
                              'with an aux_weight (FVEClsHead); remove the '
                              'hook from custom_hooks')
        for head in heads:
            head.aux_weight = self.weight(head.init_aux_weight, runner.epoch)
        runner.message_hub.update_scalar('train/aux_weight',
                                         heads[0].aux_weight)
