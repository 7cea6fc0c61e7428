"""GMMLayer / FVELayer precision and robustness: autocast (float16 /
bfloat16 on CPU, which casts matmuls and einsums like CUDA autocast), the
guard against non-finite updates, the mask-weighted M-step against a float64
reference that drops the masked features (eqs. 3-9), and a training forward
without host synchronisation (one graph under ``torch.compile``)."""
import copy
import warnings

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from mmfg.models.layers import FVELayer, GMMLayer


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _stats(layer):
    return {n: getattr(layer, n).clone() for n in ('mu', 'var', 'alpha', 't')}


def _near_floor_features(B=8, N=15, D=2048, seed=1):
    """Features with a tiny spread (std 3e-3 around 0.5) and a few large
    values: with the floor 1e-6 the variances reach the floor after one
    update and ``sum_d (x - mu)^2 / var`` exceeds float16's range (65504)."""
    g = torch.Generator().manual_seed(seed)
    x = 0.5 + 3e-3 * torch.randn(B, N, D, generator=g)
    x[0, 0, :8] = 30.0
    x[1, 3, 100:104] = -20.0
    return x


# --------------------------------------------------------------------------
# 1. autocast


@pytest.mark.parametrize('amp_dtype', [torch.float16, torch.bfloat16])
def test_autocast_keeps_float32_statistics(amp_dtype):
    """Under ``torch.autocast('cpu', dtype)`` with float16 / bfloat16 input
    features (as a backbone under ``--amp`` delivers them) the layer computes
    exactly what a float32 run on the same (rounded) features computes.

    Tolerance: 1e-6 relative (both runs do float32 maths; measured: equal).
    Before, float16 autocast cast the E-step matmul to float16: with these
    features the squared-distance term overflowed after the first update,
    the output and ``mu``/``var`` became NaN in the second step."""
    D, K = 2048, 4
    x = _near_floor_features(D=D).to(amp_dtype)
    amp = FVELayer(D, K, seed=0, var_floor=1e-6).train()
    ref = FVELayer(D, K, seed=0, var_floor=1e-6).train()
    for step in range(3):
        with torch.autocast('cpu', dtype=amp_dtype):
            out = amp(x)
        out_ref = ref(x.float())
        assert out.dtype == torch.float32
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out, out_ref, rtol=1e-6, atol=1e-6)
        for name in ('mu', 'var', 'alpha'):
            buf = getattr(amp, name)
            assert torch.isfinite(buf).all()
            torch.testing.assert_close(
                buf, getattr(ref, name), rtol=1e-6, atol=1e-9)
        assert int(amp.t) == step + 1
    # the data does stress half precision: the variances sit at the floor
    # and the squared distance overflows in float16
    assert float(amp.var.min()) == pytest.approx(1e-6)
    xc = x[0, :1].float() - amp.mu.mean(0)
    quad16 = (xc * xc).half() @ (1.0 / amp.var).half().t()
    assert not torch.isfinite(quad16).all()


def test_autocast_gradients_reach_half_features():
    D, K = 64, 3
    lin = torch.nn.Linear(D, D)
    layer = FVELayer(D, K, seed=0).train()
    x = torch.randn(2, 6, D)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        feats = lin(x)
        assert feats.dtype == torch.bfloat16
        out = layer(feats)
    out.float().square().sum().backward()
    assert torch.isfinite(lin.weight.grad).all()
    assert lin.weight.grad.abs().sum() > 0


# --------------------------------------------------------------------------
# 2. non-finite updates are skipped


@pytest.mark.parametrize('bad', [float('inf'), float('nan')])
def test_non_finite_update_is_skipped_and_reported(bad):
    D, K = 5, 3
    layer = GMMLayer(D, K, seed=0).train()
    g = torch.Generator().manual_seed(0)
    layer(torch.randn(2, 6, D, generator=g))
    before = _stats(layer)
    x = torch.randn(2, 6, D, generator=g)
    x[1, 2, 3] = bad
    layer(x)  # the output may be non-finite, the buffers must not be
    for name, val in before.items():
        assert torch.equal(getattr(layer, name), val), name
    assert int(layer.skipped_updates) == 1
    with pytest.warns(RuntimeWarning, match='1 GMM update'):
        layer.eval()
    with warnings.catch_warnings():  # reported once
        warnings.simplefilter('error')
        layer.train()
    # training goes on normally
    layer(torch.randn(2, 6, D, generator=g))
    assert int(layer.t) == int(before['t']) + 1
    for buf in (layer.mu, layer.var, layer.alpha):
        assert torch.isfinite(buf).all()


def test_masked_non_finite_values_are_not_a_skip():
    D, K = 5, 3
    layer = FVELayer(D, K, seed=0).train()
    x = torch.randn(2, 6, D)
    x[0, 1] = float('inf')
    mask = torch.ones(2, 6, dtype=torch.bool)
    mask[0, 1] = False
    out = layer(x, mask)
    assert torch.isfinite(out).all()
    assert int(layer.t) == 1 and int(layer.skipped_updates) == 0


# --------------------------------------------------------------------------
# 3. the mask-weighted M-step = the compacted float64 M-step


def _np_assignments(x, mu, var, alpha):
    diff = x[:, None, :] - mu[None]
    log_p = -0.5 * (np.log(2 * np.pi * var)[None] + diff**2 / var[None])
    joint = np.log(alpha)[None] + log_p.sum(-1)
    return joint - logsumexp(joint, axis=1, keepdims=True)


def _np_step(stats, t, x, mask, lam, floor, lw=None):
    """One training step in float64 on the valid rows only (the compaction
    of the earlier implementation): E-step from the current estimate (eq. 1;
    or the given log assignments ``lw (B, N, K)``), M-step (eqs. 3-5,
    responsibilities normalised in log space, sums centred at the valid
    rows' mean, variance floored), bias-corrected EMA (eqs. 6-9). Unchanged
    without valid rows."""
    mu, var, alpha = stats
    xf = x[mask]
    if len(xf) == 0:
        return stats, t
    lw = _np_assignments(xf, mu, var, alpha) if lw is None else lw[mask]
    log_nk = logsumexp(lw, axis=0)
    r = np.exp(lw - log_nk)
    new_alpha = np.exp(log_nk) / len(xf)
    c = xf.mean(0)
    mu_c = r.T @ (xf - c)
    new_var = np.maximum(r.T @ (xf - c)**2 - mu_c**2, floor)
    new_mu = mu_c + c
    t += 1
    a = lam * (1 - lam**(t - 1)) / (1 - lam**t)
    b = (1 - lam) / (1 - lam**t)
    return tuple(a * s + b * n
                 for s, n in zip(stats, (new_mu, new_var, new_alpha))), t


def _float64(layer):
    return tuple(
        getattr(layer, n).double().numpy().copy()
        for n in ('mu', 'var', 'alpha'))


def test_masked_m_step_equals_compacted_float64():
    """float64 layer vs the float64 reference (its own E-step in numpy),
    6 steps, one of them all-masked (nothing changes, ``t`` included)."""
    K, D, B, N, lam, floor = 3, 6, 4, 12, 0.8, 0.05
    layer = GMMLayer(D, K, decay=lam, var_floor=floor, seed=2).double()
    layer.train()
    rng = np.random.default_rng(3)
    stats, t = _float64(layer), 0
    for step in range(6):
        x = rng.normal(0, 1.5, (B, N, D)) * rng.uniform(0.5, 2, D)
        mask = rng.uniform(size=(B, N)) > 0.4
        if step == 3:
            mask[:] = False
        stats, t = _np_step(stats, t, x, mask, lam, floor)
        layer(torch.from_numpy(x), torch.from_numpy(mask))
        assert int(layer.t) == t == (step if step >= 3 else step + 1)
        for name, ref in zip(('mu', 'var', 'alpha'), stats):
            np.testing.assert_allclose(
                getattr(layer, name).numpy(), ref, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    'offset,spread,floor,tol',
    [
        # measured max error (relative to the scale of each buffer:
        # |mu| + 1, var, alpha + 1e-3): 6.4e-7
        (0.0, 1.5, 0.05, 5e-6),
        # data far from the initial means with a small spread (std 0.025
        # .. 0.1 at 40): the sums are centred at the batch mean, so float32
        # keeps the variances (measured 3.2e-6; float32 sums centred at the
        # mixture's mean instead lose 26% of the first batch's variance to
        # cancellation)
        (40.0, 0.05, 1e-4, 2e-5),
    ])
def test_float32_m_step_equals_compacted_float64(offset, spread, floor, tol):
    """float32 layer: the M-step and EMA (mask-weighted, float32 sums over
    the features, float64 K-sized statistics) against the float64 compacted
    reference from the same state and the same assignments (the layer's
    E-step, float32 as before)."""
    K, D, B, N, lam = 3, 6, 4, 12, 0.8
    layer = GMMLayer(D, K, decay=lam, var_floor=floor, seed=2).train()
    rng = np.random.default_rng(3)
    for step in range(6):
        x = offset + rng.normal(0, spread, (B, N, D)) * rng.uniform(0.5, 2, D)
        mask = rng.uniform(size=(B, N)) > 0.4
        xt, mt = torch.from_numpy(x).float(), torch.from_numpy(mask)
        lw = layer._e_step(xt, mt)[-1].double().numpy()
        (mu, var, alpha), t = _np_step(
            _float64(layer), int(layer.t),
            xt.double().numpy(), mask, lam, floor, lw)
        layer(xt, mt)
        assert int(layer.t) == t
        for name, ref, scale in (('mu', mu, np.abs(mu) + 1), ('var', var, var),
                                 ('alpha', alpha, alpha + 1e-3)):
            err = np.abs(getattr(layer, name).double().numpy() - ref) / scale
            assert err.max() < tol, (name, step, err.max())
    assert int(layer.skipped_updates) == 0


def test_all_masked_batch_changes_nothing_and_is_no_skip():
    layer = FVELayer(4, 3, seed=0).train()
    layer(torch.randn(2, 5, 4))
    before = _stats(layer)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = layer(torch.randn(2, 5, 4), torch.zeros(2, 5, dtype=torch.bool))
        layer.eval()  # no warning: an empty batch is not a skipped update
    assert torch.all(out == 0)
    for name, val in before.items():
        assert torch.equal(getattr(layer, name), val), name
    assert int(layer.skipped_updates) == 0


# --------------------------------------------------------------------------
# 4. no host synchronisation


@pytest.mark.parametrize('cls', [GMMLayer, FVELayer])
def test_training_forward_is_one_graph(cls):
    """A training forward (E-step, encoding, M-step, EMA, guard) traces into
    one graph (``fullgraph=True`` fails on any ``int(tensor)`` or
    data-dependent Python branch, i.e. on every host synchronisation) and
    computes what the eager layer computes, including an all-masked batch.
    """
    D, K = 8, 3
    eager = cls(D, K, seed=0).train()
    compiled = cls(D, K, seed=0).train()
    step = torch.compile(compiled, backend='eager', fullgraph=True)
    g = torch.Generator().manual_seed(0)
    for i in range(3):
        x = torch.randn(2, 5, D, generator=g)
        mask = torch.rand(2, 5, generator=g) > 0.3
        if i == 1:
            mask[:] = False
        torch.testing.assert_close(step(x, mask), eager(x, mask))
        for name, val in _stats(eager).items():
            torch.testing.assert_close(getattr(compiled, name), val)
    assert int(compiled.t) == 2


def test_compiled_training_forward_gives_the_eager_gradients():
    """The GMM update replaces its buffers instead of writing into them: a
    compiled step's backward reads the statistics the forward used, not
    the updated ones (with ``copy_`` the input gradient was off by ~70%)."""
    torch.manual_seed(0)
    layer = FVELayer(16, 2).train()
    x = torch.randn(4, 5, 16)
    mask = torch.rand(4, 5) > 0.3
    state = copy.deepcopy(layer.state_dict())

    def step(layer, x, mask):
        return layer(x, mask).pow(2).sum()

    grads, states = [], []
    for fn in (step, torch.compile(step, backend='aot_eager')):
        layer.load_state_dict(state)
        xx = x.clone().requires_grad_(True)
        fn(layer, xx, mask).backward()
        grads.append(xx.grad)
        states.append({k: v.clone() for k, v in layer.state_dict().items()})
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-5)
    for k in states[0]:
        torch.testing.assert_close(states[1][k], states[0][k])
