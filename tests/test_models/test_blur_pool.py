"""GaussianBlurPool: fixed Gaussian blur + subsampling (Lelekas et al.
Sec. 3.1; sigma = 2 f / 6 as in the reference code)."""
import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from mmfg.models.layers import GaussianBlurPool


@pytest.mark.parametrize('factor', [2, 4])
def test_kernel_is_fixed_normalised_gaussian(factor):
    pool = GaussianBlurPool(factor)
    sigma = 2 * factor / 6
    assert pool.sigma == pytest.approx(sigma)
    # support ceil(3 sigma) on each side: f=2 -> 5 taps, f=4 -> 9 taps
    assert pool.kernel.shape[-1] == {2: 5, 4: 9}[factor]
    assert float(pool.kernel.sum()) == pytest.approx(1.0, abs=1e-6)
    # not trainable, not saved
    assert list(pool.parameters()) == []
    assert 'kernel' not in pool.state_dict()
    # hand check of two taps: centre / neighbour ratio = exp(1 / (2 s^2))
    k = pool.kernel[0, 0].double()
    c = k.shape[-1] // 2
    assert float(k[c, c] / k[c, c + 1]) == pytest.approx(
        math.exp(1 / (2 * sigma**2)), rel=1e-5)


@pytest.mark.parametrize('factor', [2, 4])
@pytest.mark.parametrize('size', [(28, 28), (32, 30), (27, 13)])
def test_matches_scipy_gaussian_then_subsample(factor, size):
    """Independent reference: scipy's Gaussian filter (mode 'mirror' is
    PyTorch's 'reflect', truncate=3 gives the same ceil(3 sigma) radius
    for these sigmas), then every f-th pixel from index 0."""
    rng = np.random.default_rng(0)
    img = rng.standard_normal((2, 3) + size)
    sigma = 2 * factor / 6
    ref = ndimage.gaussian_filter(
        img, sigma=(0, 0, sigma, sigma), mode='mirror', truncate=3.0)
    ref = ref[..., ::factor, ::factor]
    out = GaussianBlurPool(factor)(torch.from_numpy(img).float())
    assert out.shape == (2, 3, math.ceil(size[0] / factor),
                         math.ceil(size[1] / factor))
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)


@pytest.mark.parametrize('factor', [2, 4])
def test_constant_image_unchanged(factor):
    x = torch.full((1, 2, 29, 32), 0.37)
    out = GaussianBlurPool(factor)(x)
    torch.testing.assert_close(out, torch.full_like(out, 0.37))


def test_checkerboard_aliasing_suppressed():
    """A checkerboard with period 2 lies exactly at the Nyquist frequency.
    Plain subsampling by 2 aliases it to a constant of amplitude 1; the
    blurred version keeps only the Gaussian's response at (pi, pi).

    Hand computation for sigma = 2/3 (taps n = -2..2, weights
    w_n = exp(-n^2 / (2 sigma^2)) = exp(-9 n^2 / 8)):
    H(pi) = (1 - 2 e^{-9/8} + 2 e^{-9/2}) / (1 + 2 e^{-9/8} + 2 e^{-9/2})
          ~= 0.223 per axis, so the output is the constant H(pi)^2 ~= 0.050.
    """
    i = torch.arange(32)
    board = ((-1.0)**(i[:, None] + i[None, :]))[None, None]
    plain = board[..., ::2, ::2]
    assert torch.all(plain == 1)  # full-amplitude alias
    a, b = math.exp(-9 / 8), math.exp(-9 / 2)
    expected = ((1 - 2 * a + 2 * b) / (1 + 2 * a + 2 * b))**2
    out = GaussianBlurPool(2)(board)
    torch.testing.assert_close(
        out, torch.full_like(out, expected), atol=1e-5, rtol=0)
    assert expected < 0.06  # > 16x weaker than the alias


@pytest.mark.parametrize('factor,high,low', [(2, 0.4, 0.05), (4, 0.3, 0.03)])
def test_energy_above_new_nyquist_suppressed(factor, high, low):
    """A sinusoid above the new Nyquist frequency 1/(2f) cycles/pixel
    aliases with full energy under plain subsampling; blur-pooling removes
    most of it (continuous Gaussian: |H(v)| = exp(-2 pi^2 sigma^2 v^2):
    0.25 for f=2, v=0.4 and 0.04 for f=4, v=0.3) while a low frequency
    passes (0.98 and 0.97)."""
    n = 128
    x = torch.arange(n, dtype=torch.float64)
    pool = GaussianBlurPool(factor)

    def energy_ratio(freq):
        wave = torch.cos(2 * math.pi * freq * x + 0.3)
        img = wave[None, None, None, :].repeat(1, 1, 16, 1).float()
        plain = img[..., ::factor, ::factor]
        blurred = pool(img)
        inner = slice(4, -4)  # away from the borders
        e_plain = plain[..., inner].pow(2).mean()
        e_blur = blurred[..., inner].pow(2).mean()
        return float(e_blur / e_plain)

    assert high > 1 / (2 * factor) > low
    assert energy_ratio(high) < {2: 0.15, 4: 0.01}[factor]
    assert energy_ratio(low) > 0.85


def test_factor_validation():
    with pytest.raises(ValueError):
        GaussianBlurPool(0)
    with pytest.raises(ValueError):
        GaussianBlurPool(2.5)
