"""Focus-Longer's recurrent-attention neck (RecurrentAttentionNeck) against
the LSTM equations written in numpy, and after any backbone in an
ImageClassifier."""
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

register_all_modules()


def _sigmoid(x):
    return 1. / (1. + np.exp(-x))


def numpy_lstm_states(lstm, x, steps):
    """Top-layer hidden states of ``lstm`` (nn.LSTM, batch_first) fed the
    same input ``x`` (B, C) at each of ``steps`` steps, zero initial state,
    from the LSTM equations (gates i, f, g, o as PyTorch orders them)."""
    inp = np.repeat(x[:, None], steps, 1).astype(np.float64)
    for layer in range(lstm.num_layers):
        w_ih = getattr(lstm, f'weight_ih_l{layer}').detach().double().numpy()
        w_hh = getattr(lstm, f'weight_hh_l{layer}').detach().double().numpy()
        b = (getattr(lstm, f'bias_ih_l{layer}') +
             getattr(lstm, f'bias_hh_l{layer}')).detach().double().numpy()
        d = w_hh.shape[1]
        h = np.zeros((len(x), d))
        c = np.zeros((len(x), d))
        out = []
        for t in range(steps):
            z = inp[:, t] @ w_ih.T + h @ w_hh.T + b
            i, f, g, o = (z[:, k * d:(k + 1) * d] for k in range(4))
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            out.append(h)
        inp = np.stack(out, 1)
    return inp


def neck(**kwargs):
    cfg = dict(
        type='RecurrentAttentionNeck',
        in_channels=12,
        hidden_channels=8,
        num_layers=2,
        num_steps=5)
    cfg.update(kwargs)
    return MODELS.build(cfg)


# ----------------------------------------------------------------- the neck
@pytest.mark.parametrize('steps', [1, 3, 10])
@pytest.mark.parametrize('width', [7, 32, 512])
def test_neck_shapes_any_steps_and_width(steps, width):
    m = neck(in_channels=width, num_steps=steps, hidden_channels=6)
    x4 = torch.randn(2, width, 5, 3)
    assert m((x4, ))[0].shape == (2, 6)
    assert m(torch.randn(2, width))[0].shape == (2, 6)
    assert m.step_states(x4).shape == (2, steps, 6)
    for how in ('sum', 'mean', 'last', 'step'):
        m.aggregation = how
        assert m((x4, ))[0].shape == (2, 6)
    m.aggregation = 'all'
    assert m((x4, ))[0].shape == (2, steps, 6)


def test_neck_equals_lstm_equations_and_attention():
    torch.manual_seed(1)
    m = neck(num_steps=6).eval()
    fmap = torch.randn(3, 12, 4, 4)
    pooled = fmap.mean((2, 3)).double().numpy()
    ref = numpy_lstm_states(m.lstm, pooled, 6)  # (B, T, D)
    states = m.step_states(fmap).detach().double().numpy()
    np.testing.assert_allclose(states, ref, rtol=1e-5, atol=1e-6)
    w = m.attention.weight.detach().double().numpy()[0]
    b = m.attention.bias.detach().double().numpy()[0]
    score = ref @ w + b
    alpha = np.exp(score - score.max(1, keepdims=True))
    alpha /= alpha.sum(1, keepdims=True)
    out = m((fmap, ))[0].detach().double().numpy()
    np.testing.assert_allclose(
        out, (alpha[..., None] * ref).sum(1), rtol=1e-5, atol=1e-6)
    # summation over steps 1..k and one step
    m.aggregation, m.steps = 'sum', 3
    np.testing.assert_allclose(
        m((fmap, ))[0].detach().numpy(), ref[:, :3].sum(1), atol=1e-5)
    m.aggregation, m.step = 'step', 2
    np.testing.assert_allclose(
        m((fmap, ))[0].detach().numpy(), ref[:, 1], atol=1e-5)


def test_attention_weights_sum_to_one():
    torch.manual_seed(2)
    m = neck(num_steps=7)
    with torch.no_grad():
        m.attention.weight.mul_(50)  # far from uniform
    w = m.attention_weights(m.step_states(torch.randn(4, 12)))
    assert w.shape == (4, 7)
    assert (w >= 0).all()
    torch.testing.assert_close(w.sum(1), torch.ones(4))
    assert w.max() > 1.5 / 7  # not trivially uniform


def test_neck_wrong_width_and_settings_are_clear():
    m = neck(in_channels=12)
    with pytest.raises(ConfigError, match='in_channels'):
        m(torch.randn(2, 10, 3, 3))
    with pytest.raises(ConfigError, match='aggregation'):
        neck(aggregation='max')
    with pytest.raises(ConfigError, match='steps'):
        neck(aggregation='sum', steps=9)
    with pytest.raises(ConfigError, match='num_steps'):
        neck(num_steps=0)


# ----------------------------------------------------- plug-and-play neck
@pytest.mark.parametrize('backbone,width', [
    (dict(type='ResNet', depth=18), 512),
    (dict(type='VGG', depth=11, with_last_pool=False), 512),
    (dict(type='TopDownNet', arch='lenetfc', mode='bu', in_channels=3), 32),
])
def test_neck_after_any_backbone_in_image_classifier(backbone, width):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=dict(
                type='RecurrentAttentionNeck',
                in_channels=width,
                hidden_channels=16,
                num_steps=3),
            head=dict(
                type='StackedLinearClsHead',
                num_classes=4,
                in_channels=16,
                mid_channels=[16])))
    x = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    loss = model(x, samples, mode='loss')['loss']
    loss.backward()
    assert model.neck.lstm.weight_ih_l0.grad.abs().sum() > 0
    assert model.neck.attention.weight.grad.abs().sum() > 0
    assert model(x, mode='tensor').shape == (2, 4)
