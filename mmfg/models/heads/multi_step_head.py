"""A classification head applied to every time step of a sequence feature:
Focus-Longer's "CNN + LSTM" ablation (Sec. 4.3, Table 4: "the local-stream
is trained using cross-entropy losses on the outputs of all the time steps.
During inference, we only consider the output of the final step")."""
from typing import List, Sequence, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError

#: ``(B, T, D)`` step features, alone or last of a tuple
StepFeats = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class MultiStepClsHead(ClsHead):
    """Wrap a classification head (``LinearClsHead``,
    ``StackedLinearClsHead``, ...) so that it classifies each step of a
    ``(B, T, D)`` feature with shared weights.

    * loss: the wrapped head's loss module on all ``B * T`` step scores with
      the labels repeated per step, averaged over the ``B * T`` terms (the
      mean of the T per-step cross-entropies; their sum would scale the
      gradient by ``T``);
    * prediction / ``forward``: the scores of one step, ``test_step``
      (1-based, ``-1`` = the last).

    Args:
        head (dict): the wrapped head (its ``loss`` is used).
        test_step (int): step used for prediction. Defaults to -1.
        **kwargs: ``topk``, ``cal_acc``, ``init_cfg`` of ``ClsHead``.

    Shapes: ``feats[-1]`` ``(B, T, D)`` -> ``forward`` ``(B, num_classes)``,
    :meth:`step_scores` ``(B, T, num_classes)``.
    """

    def __init__(self, head: dict, test_step: int = -1, **kwargs) -> None:
        inner = MODELS.build(head)
        super().__init__(loss=inner.loss_module, **kwargs)
        self.head = inner
        self.test_step = test_step

    def _sequence(self, feats):
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 3:
            raise ConfigError(
                'MultiStepClsHead expects (B, T, D) step features, got '
                f"{tuple(x.shape)}: use aggregation='all' in the neck")
        return x

    def step_scores(self, feats: StepFeats) -> torch.Tensor:
        """``(B, T, D)`` -> ``(B, T, num_classes)``."""
        x = self._sequence(feats)
        b, t = x.shape[:2]
        return self.head((x.reshape(b * t, -1), )).reshape(b, t, -1)

    def forward(self, feats: StepFeats) -> torch.Tensor:
        x = self._sequence(feats)
        t = self.test_step
        return self.head((x[:, t - 1 if t > 0 else -1], ))

    def loss(self, feats: StepFeats, data_samples: List[DataSample],
             **kwargs) -> dict:
        """Losses of the ``(B, T, num_classes)`` step scores; ``weight``
        ``(B,)`` (per sample, as the loss modules take it) is repeated over
        the T steps."""
        scores = self.step_scores(feats)
        b, t, c = scores.shape
        target = torch.cat([s.gt_label for s in data_samples])
        if kwargs.get('weight') is not None:
            kwargs['weight'] = kwargs['weight'].repeat_interleave(t)
        losses = dict(
            loss=self.loss_module(
                scores.reshape(b * t, c),
                target.repeat_interleave(t),
                avg_factor=b * t,
                **kwargs))
        return losses
