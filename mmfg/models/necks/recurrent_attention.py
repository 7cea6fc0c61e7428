"""Recurrent-attention neck of Focus-Longer (Shroff et al., "Focus Longer to
See Better: Recursively Refined Attention for Fine-Grained Image
Classification", CVPR-W 2020, Sec. 3.1, eqs. 4-6).

The pooled feature of a patch is fed, as the SAME input, to each of ``T``
time steps of a stacked unidirectional LSTM (zero initial state); the ``T``
hidden states of the top layer are aggregated by temporal soft attention
(a linear score per hidden state, softmax over time, weighted sum) into one
vector for the classification head. The score is shared by the steps as in
the public code (VITA-Group/Focus-Longer-to-See-Better, ``recurr_cnn.py``,
commit d2cd4fe: one ``nn.Linear(512, 1)``), or, with
``per_step_score=True``, each step's own ``W^t`` as eq. 6 writes it.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmfg.registry import MODELS
from mmfg.utils import ConfigError

#: aggregations of the T hidden states (see :class:`RecurrentAttentionNeck`)
AGGREGATIONS = ('attention', 'sum', 'mean', 'last', 'step', 'all')


class StepScores(nn.Module):
    """Eq. 6's per-step attention scores: step ``t`` has its own weight
    ``W^t`` ``(D,)`` (and bias ``b_t``), ``s_t = W^t . h_t + b_t``.

    Parameters: ``weight`` ``(T, D)``, ``bias`` ``(T,)`` (absent with
    ``bias=False``); each row initialised like ``nn.Linear(D, 1)``
    (uniform +-1/sqrt(D)), so that a step's score starts as the shared
    score's does.

    Shapes: ``forward(states)`` with ``states`` ``(B, T, D)`` returns the
    scores ``(B, T, 1)`` (the shape ``nn.Linear(D, 1)`` gives).
    """

    def __init__(self, num_steps: int, channels: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_steps, channels))
        if bias:
            self.bias = nn.Parameter(torch.empty(num_steps))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1. / math.sqrt(self.weight.size(1))
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        if states.size(1) != self.weight.size(0):
            raise ConfigError(
                f'RecurrentAttentionNeck: the per-step scores have '
                f'{self.weight.size(0)} steps, the states {states.size(1)}')
        scores = (states * self.weight).sum(-1)
        if self.bias is not None:
            scores = scores + self.bias
        return scores.unsqueeze(-1)

    def extra_repr(self) -> str:
        return (f'num_steps={self.weight.size(0)}, '
                f'channels={self.weight.size(1)}, '
                f'bias={self.bias is not None}')


@MODELS.register_module()
class RecurrentAttentionNeck(BaseModule):
    """Stacked LSTM over ``T`` repetitions of one pooled feature, then
    temporal attention (Focus-Longer's local stream).

    Usable after any backbone (the paper's plug-and-play claim): it takes
    the last backbone output, ``(B, C, H, W)`` (global average pooled here)
    or ``(B, C)``; ``in_channels`` must be that ``C``.

    Per sample, with ``x`` the pooled feature ``(C,)``:

    * ``h_1 ... h_T = LSTM(x, x, ..., x)``, the top layer's hidden states,
      ``num_layers`` stacked layers of width ``hidden_channels``, zero
      initial state (eq. 4);
    * ``alpha_t = softmax_t(w . h_t + b)``: one score ``w`` shared by the
      steps, as the public code (``nn.Linear(D, 1)``, the default); or
      ``alpha_t = softmax_t(W^t . h_t + b_t)``, each step its own ``W^t``
      as eq. 6 writes it (``per_step_score=True``: ``attention`` is then a
      :class:`StepScores`, weight ``(T, D)``); the paper's score has no
      bias, the public code's has one: ``bias``;
    * ``A = sum_t alpha_t h_t`` (eq. 5).

    Args:
        in_channels (int): ``C``, the backbone's output width.
        hidden_channels (int): LSTM width ``D``. Defaults to 512 (paper).
        num_layers (int): stacked LSTM layers. Defaults to 2 (paper).
        num_steps (int): ``T``. Defaults to 10 (paper).
        aggregation (str): how the ``T`` hidden states become the output:

            * ``'attention'`` (the paper): ``sum_t alpha_t h_t``;
            * ``'sum'``: ``sum_{t in steps} h_t`` (the paper's Table 5
              "summation of features from step 1 to k", unnormalised);
            * ``'mean'``: the average over ``steps``;
            * ``'last'``: ``h_T``;
            * ``'step'``: ``h_t`` for one ``t`` (``step``; per-step
              accuracies, the paper's Table 3);
            * ``'all'``: ``(B, T, D)``, every step, for
              :class:`~mmfg.models.heads.MultiStepClsHead` (the paper's
              "CNN + LSTM" ablation: CE on every step, last step at test).

        steps (int, optional): for ``'sum'``/``'mean'``, aggregate steps
            ``1 .. steps`` only (default all ``T``).
        step (int): for ``'step'``, the 1-based step ``t`` (``-1`` = T).
        bias (bool): bias of the attention score. Defaults to True (public
            code).
        per_step_score (bool): each step its own scoring weight (eq. 6)
            instead of one shared by the steps (the public code). Defaults
            to False: the parameters and state dict are then exactly the
            shared ``nn.Linear`` (``attention.weight`` ``(1, D)``,
            ``attention.bias`` ``(1,)``); with True they are ``(T, D)`` and
            ``(T,)``, so ``num_steps`` cannot change after building.
        dropout (float): dropout on the aggregated feature. Defaults to 0.
        init_cfg (dict, optional): initialisation; the LSTM keeps PyTorch's
            default (uniform +-1/sqrt(D)), the attention score too.

    The attention layer is built for every aggregation so that a model
    trained with one loads into another (the evaluation-time swaps of
    ``experiments/focus_longer/steps.py``); it has no gradient unless
    ``aggregation='attention'``, so with any other aggregation its
    parameters are frozen (``requires_grad=False``, still in the state
    dict): PyTorch's ``DistributedDataParallel`` with
    ``find_unused_parameters=False`` skips frozen parameters, whereas a
    trainable parameter without a gradient stops it at the second
    iteration. Change ``aggregation``, ``steps`` and ``step`` on a built
    neck freely: setting ``aggregation`` freezes or unfreezes the
    attention layer to match.

    Shapes: ``forward((..., x))`` with ``x`` ``(B, C, H, W)`` or ``(B, C)``
    returns ``(out,)``, ``out`` ``(B, D)`` (``(B, T, D)`` for ``'all'``).
    :meth:`step_states` gives ``(B, T, D)``, :meth:`attention_weights`
    ``(B, T)`` (rows sum to 1).
    """
    #: the TwoStreamClassifier local stream (classifiers/local_streams.py)
    #: this neck takes: one crop at a time, like an image classifier
    part_input = 'crop'

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 512,
                 num_layers: int = 2,
                 num_steps: int = 10,
                 aggregation: str = 'attention',
                 steps: Optional[int] = None,
                 step: int = -1,
                 bias: bool = True,
                 per_step_score: bool = False,
                 dropout: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        sizes = dict(
            in_channels=in_channels,
            hidden_channels=hidden_channels,
            num_layers=num_layers,
            num_steps=num_steps)
        for name, value in sizes.items():
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f'RecurrentAttentionNeck: {name} must be '
                                  f'an integer >= 1, got {value!r}')
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.num_layers = num_layers
        self.num_steps = num_steps
        self.aggregation = aggregation
        self.steps = steps
        self.step = step
        self._check()
        self.lstm = nn.LSTM(
            in_channels, hidden_channels, num_layers, batch_first=True)
        if not isinstance(per_step_score, bool):
            raise ConfigError('RecurrentAttentionNeck: per_step_score must '
                              f'be True or False, got {per_step_score!r}')
        self.per_step_score = per_step_score
        if per_step_score:
            self.attention = StepScores(num_steps, hidden_channels, bias)
        else:
            self.attention = nn.Linear(hidden_channels, 1, bias=bias)
        self._sync_attention_grad()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    @property
    def aggregation(self) -> str:
        """How the ``T`` hidden states are aggregated (see the class);
        setting it freezes the attention layer unless it is
        ``'attention'``."""
        return self._aggregation

    @aggregation.setter
    def aggregation(self, value: str) -> None:
        self._aggregation = value
        self._sync_attention_grad()

    def _sync_attention_grad(self):
        """Attention parameters trainable iff ``aggregation='attention'``
        (a parameter without a gradient breaks DDP, see the class)."""
        attention = self._modules.get('attention')
        if attention is not None:
            attention.requires_grad_(self._aggregation == 'attention')

    def _check(self):
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(
                'RecurrentAttentionNeck: aggregation must be one of '
                f'{AGGREGATIONS}, got {self.aggregation!r}')
        if self.steps is not None and not 1 <= self.steps <= self.num_steps:
            raise ConfigError(f'RecurrentAttentionNeck: steps={self.steps} '
                              f'outside 1..num_steps={self.num_steps}')
        t = self.step
        if not (t == -1 or 1 <= t <= self.num_steps):
            raise ConfigError(f'RecurrentAttentionNeck: step={t} must be -1 '
                              f'or in 1..num_steps={self.num_steps}')

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` (global average pooled) or ``(B, C)`` ->
        ``(B, C)``."""
        if x.dim() == 4:
            x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ConfigError(
                'RecurrentAttentionNeck expects the backbone output '
                f'(B, {self.in_channels}, H, W) or (B, {self.in_channels}), '
                f'got {tuple(x.shape)}: set in_channels to the backbone\'s '
                'output width')
        return x

    def step_states(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states of the top LSTM layer at every step.

        Args:
            x (Tensor): ``(B, C, H, W)`` or ``(B, C)``.

        Returns:
            Tensor: ``(B, T, D)``.
        """
        x = self.pool(x)
        seq = x.unsqueeze(1).expand(-1, self.num_steps, -1)
        out, _ = self.lstm(seq)  # zero initial state
        return out

    def attention_weights(self, states: torch.Tensor) -> torch.Tensor:
        """``(B, T, D)`` hidden states -> ``(B, T)`` softmax over time."""
        return self.attention(states).squeeze(-1).softmax(dim=1)

    def aggregate(self,
                  states: torch.Tensor,
                  aggregation: Optional[str] = None,
                  steps: Optional[int] = None,
                  step: Optional[int] = None) -> torch.Tensor:
        """Aggregate hidden states ``(B, T, D)`` (see ``aggregation``);
        the arguments override the neck's settings for this call."""
        how = aggregation or self.aggregation
        steps = self.steps if steps is None else steps
        step = self.step if step is None else step
        if how == 'attention':
            weights = self.attention_weights(states)
            return (weights.unsqueeze(-1) * states).sum(1)
        if how in ('sum', 'mean'):
            part = states[:, :steps or states.size(1)]
            return part.sum(1) if how == 'sum' else part.mean(1)
        if how == 'last':
            return states[:, -1]
        if how == 'step':
            return states[:, step - 1 if step > 0 else -1]
        if how == 'all':
            return states
        raise ConfigError(f'RecurrentAttentionNeck: unknown aggregation '
                          f'{how!r}; choose from {AGGREGATIONS}')

    def forward(
        self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor]:
        """``inputs``: a backbone output (tuple/list of tensors, the last
        used, or one tensor). Returns a 1-tuple (see the class)."""
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        self._check()
        out = self.aggregate(self.step_states(x))
        return (self.dropout(out), )
