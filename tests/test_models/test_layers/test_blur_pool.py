"""GaussianBlurPool: the Top-Down input pyramid (Lelekas et al. Sec. 3.1) as
the reference models build it, TensorFlow's anti-aliased Gaussian resize
(sigma = f / 2, half-pixel sampling, weights renormalised at the borders),
checked against an independent numpy computation."""
import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from mmfg.models.layers import GaussianBlurPool


def tf_gaussian_resize_numpy(img, out_h, out_w, sigma):
    """Direct 2-D evaluation, one output pixel at a time: output (i, j) is
    centred at input coordinates ((i + .5) H / out_h, (j + .5) W / out_w),
    input pixel (y, x) at (y + .5, x + .5); weight exp(-(dy^2 + dx^2) /
    (2 sigma^2)) for |dy|, |dx| < 3 sigma (TensorFlow's Gaussian kernel:
    sigma 0.5, radius 1.5 output pixels, scaled by the downsampling factor),
    weights of the pixels inside the image renormalised to sum to 1."""
    h, w = img.shape[-2:]
    out = np.zeros(img.shape[:-2] + (out_h, out_w))
    ys = np.arange(h) + 0.5
    xs = np.arange(w) + 0.5
    for i in range(out_h):
        cy = (i + 0.5) * h / out_h
        for j in range(out_w):
            cx = (j + 0.5) * w / out_w
            dy = ys[:, None] - cy
            dx = xs[None, :] - cx
            k = np.exp(-(dy**2 + dx**2) / (2 * sigma**2))
            k *= (np.abs(dy) < 3 * sigma) & (np.abs(dx) < 3 * sigma)
            k /= k.sum()
            out[..., i, j] = (img * k).sum(axis=(-2, -1))
    return out


@pytest.mark.parametrize('factor', [2, 4])
def test_default_sigma_is_half_the_factor(factor):
    """TensorFlow's Gaussian resize: sigma 0.5 output pixels = f / 2 input
    pixels (1 at f = 2, 2 at f = 4), not 2 f / 6."""
    pool = GaussianBlurPool(factor)
    assert pool.sigma == pytest.approx(factor / 2)
    # nothing trained or saved
    assert list(pool.parameters()) == []
    assert pool.state_dict() == {}


@pytest.mark.parametrize('factor', [2, 4])
@pytest.mark.parametrize('size', [(28, 28), (32, 32), (16, 24)])
def test_matches_independent_tf_gaussian_resize(factor, size):
    rng = np.random.default_rng(0)
    img = rng.standard_normal((2, 3) + size)
    out_h, out_w = size[0] // factor, size[1] // factor
    ref = tf_gaussian_resize_numpy(img, out_h, out_w, factor / 2)
    out = GaussianBlurPool(factor)(torch.from_numpy(img).float())
    assert out.shape == (2, 3, out_h, out_w)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)


def test_interior_weights_by_hand():
    """f = 2, sigma = 1: an interior output pixel sits between input pixels,
    at offsets +-0.5, +-1.5, +-2.5 (six taps per axis, |d| < 3), weights
    proportional to exp(-d^2 / 2)."""
    x = torch.zeros(1, 1, 1, 32, dtype=torch.float64)
    x[..., 16] = 1.0  # an impulse at input column 16 (centre 16.5)
    out = GaussianBlurPool(2)(x.expand(1, 1, 32, 32).contiguous())[0, 0, 8]
    taps = np.array([0.5, 1.5, 2.5])
    w = np.exp(-taps**2 / 2)
    w = w / (2 * w.sum())
    # output column o is centred at 2 o + 1; the impulse (centre 16.5) is
    # at d = 0.5 from output 8 (centre 17), 1.5 from output 7 (15), 2.5
    # from output 9 (19) and >= 3 from every other output
    assert float(out[8]) == pytest.approx(w[0])
    assert float(out[7]) == pytest.approx(w[1])
    assert float(out[9]) == pytest.approx(w[2])
    assert float(out.sum()) == pytest.approx(w.sum())


@pytest.mark.parametrize('factor', [2, 4])
def test_constant_image_unchanged(factor):
    """Weights renormalised where the kernel leaves the image: a constant
    image stays constant up to the borders."""
    x = torch.full((1, 2, 28, 32), 0.37)
    out = GaussianBlurPool(factor)(x)
    torch.testing.assert_close(out, torch.full_like(out, 0.37))


def test_checkerboard_cancels_in_the_interior():
    """A period-2 checkerboard at the Nyquist frequency: plain subsampling
    aliases it to a constant of amplitude 1; with half-pixel sampling the
    taps at +-0.5, +-1.5, ... come in pairs of opposite sign and equal
    weight, so every output whose kernel lies inside the image is 0."""
    i = torch.arange(32)
    board = ((-1.0)**(i[:, None] + i[None, :]))[None, None].double()
    assert torch.all(board[..., ::2, ::2] == 1)  # full-amplitude alias
    out = GaussianBlurPool(2)(board)
    inner = out[..., 2:-2, 2:-2]
    torch.testing.assert_close(
        inner, torch.zeros_like(inner), atol=1e-12, rtol=0)


@pytest.mark.parametrize('factor,high,low', [(2, 0.4, 0.05), (4, 0.3, 0.03)])
def test_energy_above_new_nyquist_suppressed(factor, high, low):
    """A sinusoid above the new Nyquist frequency 1/(2f) cycles/pixel
    aliases with full energy under plain subsampling; the Gaussian (|H(v)|
    = exp(-2 pi^2 sigma^2 v^2), sigma = f/2: 0.04 for f=2, v=0.4 and
    ~0 for f=4, v=0.3) removes it while a low frequency passes."""
    n = 128
    x = torch.arange(n, dtype=torch.float64)
    pool = GaussianBlurPool(factor)

    def energy_ratio(freq):
        wave = torch.cos(2 * math.pi * freq * x + 0.3)
        img = wave[None, None, None, :].repeat(1, 1, 16, 1)
        plain = img[..., ::factor, ::factor]
        blurred = pool(img)
        inner = slice(4, -4)  # away from the borders
        e_plain = plain[..., inner].pow(2).mean()
        e_blur = blurred[..., inner].pow(2).mean()
        return float(e_blur / e_plain)

    assert high > 1 / (2 * factor) > low
    assert energy_ratio(high) < {2: 0.01, 4: 0.001}[factor]
    assert energy_ratio(low) > 0.85


@pytest.mark.parametrize('factor', [2, 4])
def test_padded_option_matches_scipy(factor):
    """border='reflect': the integer-grid alternative (blur with reflect
    padding, keep pixels 0, f, 2f, ...), against scipy's Gaussian filter
    (mode 'mirror' is PyTorch's 'reflect'; truncate 3 = ceil(3 sigma))."""
    rng = np.random.default_rng(0)
    img = rng.standard_normal((2, 3, 27, 30))
    sigma = factor / 2
    ref = ndimage.gaussian_filter(
        img, sigma=(0, 0, sigma, sigma), mode='mirror', truncate=3.0)
    ref = ref[..., ::factor, ::factor]
    out = GaussianBlurPool(factor, border='reflect')(torch.from_numpy(img))
    assert out.shape[-2:] == (math.ceil(27 / factor), math.ceil(30 / factor))
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-6)


def test_sigma_zero_is_plain_subsampling_and_validation():
    x = torch.randn(1, 1, 9, 8)
    torch.testing.assert_close(
        GaussianBlurPool(2, sigma=0)(x), x[..., ::2, ::2])
    with pytest.raises(ValueError):
        GaussianBlurPool(0)
    with pytest.raises(ValueError):
        GaussianBlurPool(2.5)
    with pytest.raises(ValueError):
        GaussianBlurPool(2, border='mirror')
