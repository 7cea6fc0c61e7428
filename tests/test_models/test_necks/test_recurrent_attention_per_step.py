"""Eq. 6's per-step attention scores (RecurrentAttentionNeck
``per_step_score=True``: step ``t`` scored by its own ``W^t``) against a
hand computation, and the default shared score (the public code's one
``nn.Linear(D, 1)``) left exactly as it was."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules
from .test_recurrent_attention import numpy_lstm_states

register_all_modules()


def neck(**kwargs):
    cfg = dict(
        type='RecurrentAttentionNeck',
        in_channels=5,
        hidden_channels=2,
        num_layers=2,
        num_steps=3,
        per_step_score=True)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _set_scores(m):
    with torch.no_grad():
        m.attention.weight.copy_(torch.tensor([[1., 0.], [0., 2.], [-1., 1.]]))
        m.attention.bias.copy_(torch.tensor([0., .5, -.5]))


def test_per_step_scores_hand_computed():
    m = neck()
    _set_scores(m)
    states = torch.tensor([[[1., 2.], [3., -1.], [.5, .5]]])
    # s_t = W^t . h_t + b_t, by hand:
    #   s_1 = 1*1 + 0*2 + 0 = 1;  s_2 = 0*3 + 2*(-1) + 0.5 = -1.5
    #   s_3 = -1*0.5 + 1*0.5 - 0.5 = -0.5
    e = [math.exp(1.), math.exp(-1.5), math.exp(-.5)]
    alpha = [v / sum(e) for v in e]  # 0.76616, 0.06289, 0.17095
    assert alpha[0] == pytest.approx(0.766156, abs=1e-5)
    want = [
        alpha[0] * 1 + alpha[1] * 3 + alpha[2] * .5,
        alpha[0] * 2 + alpha[1] * -1 + alpha[2] * .5
    ]
    got_alpha = m.attention_weights(states)[0].tolist()
    assert got_alpha == pytest.approx(alpha, abs=1e-6)
    assert m.aggregate(states)[0].tolist() == pytest.approx(want, abs=1e-6)
    # a shared score (the public code) with W^1 would weigh differently
    shared = neck(per_step_score=False)
    with torch.no_grad():
        shared.attention.weight.copy_(torch.tensor([[1., 0.]]))
        shared.attention.bias.zero_()
    assert shared.attention_weights(states)[0].tolist() != pytest.approx(
        alpha, abs=1e-3)


def test_per_step_forward_equals_lstm_equations_and_eq6():
    torch.manual_seed(0)
    m = neck(hidden_channels=4, num_steps=4).eval()
    x = torch.randn(3, 5)
    states = numpy_lstm_states(m.lstm, x.numpy(), 4)  # (B, T, D)
    w = m.attention.weight.detach().double().numpy()  # (T, D)
    b = m.attention.bias.detach().double().numpy()  # (T,)
    scores = (states * w[None]).sum(-1) + b[None]
    alpha = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    want = (alpha[..., None] * states).sum(1)
    got = m((x[..., None, None].expand(-1, -1, 2, 3), ))[0]
    np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-5)


def test_equal_rows_equal_the_shared_score():
    torch.manual_seed(1)
    per_step = neck(hidden_channels=4, num_steps=5)
    shared = neck(hidden_channels=4, num_steps=5, per_step_score=False)
    shared.lstm.load_state_dict(per_step.lstm.state_dict())
    with torch.no_grad():
        per_step.attention.weight.copy_(shared.attention.weight.expand(5, -1))
        per_step.attention.bias.fill_(shared.attention.bias.item())
    x = torch.randn(2, 5)
    torch.testing.assert_close(per_step((x, ))[0], shared((x, ))[0])


def test_each_step_trains_its_own_score_and_frozen_otherwise():
    torch.manual_seed(2)
    m = neck(hidden_channels=4, num_steps=3)
    m((torch.randn(4, 5), ))[0].pow(2).sum().backward()
    grad = m.attention.weight.grad
    assert grad.shape == (3, 4)
    assert not torch.allclose(grad[0], grad[1])
    assert not torch.allclose(grad[1], grad[2])
    m.aggregation = 'sum'
    assert not any(p.requires_grad for p in m.attention.parameters())
    m.aggregation = 'attention'
    assert all(p.requires_grad for p in m.attention.parameters())


def test_per_step_state_dict_round_trip():
    torch.manual_seed(3)
    a = neck(hidden_channels=4, num_steps=3, bias=False)
    assert a.attention.bias is None
    sd = a.state_dict()
    assert sd['attention.weight'].shape == (3, 4)
    assert 'attention.bias' not in sd
    b = neck(hidden_channels=4, num_steps=3, bias=False)
    b.load_state_dict(sd)
    x = torch.randn(2, 5)
    torch.testing.assert_close(a((x, ))[0], b((x, ))[0])


def test_default_is_the_shared_linear_with_the_same_initial_weights():
    """The default builds what it built before (nn.LSTM, then nn.Linear(D,
    1), drawn in that order): same state dict keys, shapes and values for a
    seed, so earlier checkpoints and logs stay reproducible."""
    torch.manual_seed(4)
    m = neck(hidden_channels=4, num_steps=3, per_step_score=False)
    torch.manual_seed(4)
    lstm = nn.LSTM(5, 4, 2, batch_first=True)
    lin = nn.Linear(4, 1)
    want = {f'lstm.{k}': v for k, v in lstm.state_dict().items()}
    want.update({f'attention.{k}': v for k, v in lin.state_dict().items()})
    got = m.state_dict()
    assert list(got) == list(want)
    for k in want:
        torch.testing.assert_close(got[k], want[k], rtol=0, atol=0)
    assert isinstance(m.attention, nn.Linear)


def test_per_step_settings_are_clear():
    with pytest.raises(ConfigError, match='per_step_score'):
        neck(per_step_score='yes')
    m = neck(num_steps=3)
    m.num_steps = 4
    with pytest.raises(ConfigError, match='3 steps'):
        m((torch.randn(2, 5), ))
