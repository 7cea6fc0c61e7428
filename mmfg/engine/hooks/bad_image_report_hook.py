"""Report the training images that ``LoadImageFromFile(skip_bad_images=True)``
skipped (:mod:`mmfg.datasets.transforms.loading`)."""
from typing import TYPE_CHECKING

from mmengine.hooks import Hook

from mmfg.datasets.transforms.loading import bad_image_loaders
from mmfg.registry import HOOKS

if TYPE_CHECKING:
    from mmengine.runner import Runner


@HOOKS.register_module()
class BadImageReportHook(Hook):
    """Log how many undecodable images ``LoadImageFromFile`` skipped
    (``skip_bad_images=True``) after every training epoch and at the end.
    :class:`~mmfg.engine.FGRunner` adds it when the top-level config key
    ``skip_bad_images`` is True."""

    priority = 'LOW'

    def __init__(self) -> None:
        self.reported = 0

    @staticmethod
    def _loaders(runner):
        return bad_image_loaders(runner.train_dataloader.dataset)

    def _count(self, runner):
        return sum(t.skipped for t in self._loaders(runner))

    def after_train_epoch(self, runner: 'Runner') -> None:
        total = self._count(runner)
        if total > self.reported:
            runner.logger.warning(
                f'skip_bad_images: {total - self.reported} undecodable '
                f'image(s) skipped in epoch {runner.epoch + 1} ({total} so '
                'far; '
                'their names are in the warnings above)')
        self.reported = total

    def after_train(self, runner: 'Runner') -> None:
        total = self._count(runner)
        runner.logger.info(
            f'skip_bad_images: {total} undecodable image(s) skipped in '
            'this run')
