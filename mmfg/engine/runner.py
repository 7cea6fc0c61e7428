"""The runner every mmfg config uses (``runner_type = 'FGRunner'``)."""
from mmengine.runner import Runner

from mmfg.registry import RUNNERS
from .checkpoint import checkpoint_safe_globals


@RUNNERS.register_module()
class FGRunner(Runner):
    """MMEngine ``Runner`` that can resume and load its own checkpoints under
    torch >= 2.6 (see :mod:`mmfg.engine.checkpoint`); otherwise identical."""

    def load_checkpoint(self, *args, **kwargs):
        with checkpoint_safe_globals():
            return super().load_checkpoint(*args, **kwargs)

    def resume(self, *args, **kwargs):
        with checkpoint_safe_globals():
            return super().resume(*args, **kwargs)
