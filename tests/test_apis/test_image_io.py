"""mmfg.apis.image_io.read_image on every kind of image file, each checked
against an independent reference: OpenCV's decoder, PIL's own conversions
(``alpha_composite``, ``ImageOps.exif_transpose``) or values computed here
from the pixels written."""
import warnings

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from mmfg.apis.image_io import (DEFAULT_MAX_PIXELS, MAX_PIXELS_ENV,
                                apply_orientation, image_size, read_image)
from mmfg.utils import DataError


def rgb_pixels(h=6, w=9, seed=0, channels=3):
    return np.random.default_rng(seed).integers(
        0, 256, (h, w, channels), dtype=np.uint8)


def over_white(rgba):
    """RGBA uint8 composited over white, in floating point."""
    a = rgba[..., 3:].astype(np.float64) / 255.
    return np.round(rgba[..., :3] * a + 255. * (1 - a)).astype(np.uint8)


def luma(rgb):
    """ITU-R BT.601 grey of an RGB uint8 array, computed here."""
    grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return np.round(grey).astype(np.uint8)


def test_grey_and_colour_8_bit(tmp_path):
    grey = rgb_pixels(channels=1)[..., 0]
    cv2.imwrite(str(tmp_path / 'grey.png'), grey)
    out = read_image(tmp_path / 'grey.png', grey=True)
    assert out.dtype == np.uint8 and out.shape == grey.shape
    np.testing.assert_array_equal(out, grey)
    np.testing.assert_array_equal(
        read_image(tmp_path / 'grey.png'), np.dstack([grey] * 3))

    bgr = rgb_pixels(seed=1)
    cv2.imwrite(str(tmp_path / 'colour.png'), bgr)
    np.testing.assert_array_equal(read_image(tmp_path / 'colour.png'), bgr)
    # the grey of a colour image is BT.601 luma (mmcv.bgr2gray)
    out = read_image(tmp_path / 'colour.png', grey=True)
    np.testing.assert_allclose(out, luma(bgr[..., ::-1]), atol=1)
    np.testing.assert_array_equal(out, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    # a JPEG decodes as OpenCV decodes it
    cv2.imwrite(str(tmp_path / 'colour.jpg'), bgr)
    np.testing.assert_allclose(
        read_image(tmp_path / 'colour.jpg'),
        cv2.imread(str(tmp_path / 'colour.jpg')),
        atol=1)


def test_alpha_is_composited_over_white(tmp_path):
    rgba = rgb_pixels(seed=2, channels=4)
    rgba[0, 0, 3], rgba[0, 1, 3] = 0, 255  # transparent / opaque pixels
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'rgba.png')
    out = read_image(tmp_path / 'rgba.png')
    want = over_white(rgba)
    np.testing.assert_array_equal(out[..., ::-1], want)
    assert (out[0, 0] == 255).all()  # not the hidden colour
    np.testing.assert_array_equal(out[0, 1], rgba[0, 1, 2::-1])
    # PIL's own compositing agrees
    pil = Image.alpha_composite(
        Image.new('RGBA', (rgba.shape[1], rgba.shape[0]), 'white'),
        Image.fromarray(rgba, 'RGBA')).convert('RGB')
    np.testing.assert_allclose(out[..., ::-1], np.asarray(pil), atol=1)
    np.testing.assert_allclose(
        read_image(tmp_path / 'rgba.png', grey=True), luma(want), atol=1)
    # another background
    red = read_image(tmp_path / 'rgba.png', background=(255, 0, 0))
    assert tuple(red[0, 0]) == (0, 0, 255)

    la = rgba[..., [0, 3]]
    Image.fromarray(la, 'LA').save(tmp_path / 'la.png')
    a = la[..., 1] / 255.
    want = np.round(la[..., 0] * a + 255 * (1 - a)).astype(np.uint8)
    np.testing.assert_array_equal(
        read_image(tmp_path / 'la.png', grey=True), want)
    np.testing.assert_array_equal(
        read_image(tmp_path / 'la.png'), np.dstack([want] * 3))


def test_palette_and_one_bit(tmp_path):
    rgb = rgb_pixels(seed=3)
    pal = Image.fromarray(rgb).quantize(colors=16)
    pal.save(tmp_path / 'pal.png')
    np.testing.assert_array_equal(
        read_image(tmp_path / 'pal.png')[..., ::-1],
        np.asarray(pal.convert('RGB')))
    # a transparent palette entry
    index = np.asarray(pal)[0, 0]
    pal.info['transparency'] = int(index)
    pal.save(tmp_path / 'pal-t.png', transparency=int(index))
    out = read_image(tmp_path / 'pal-t.png')
    hidden = np.asarray(pal)[...] == index
    assert (out[hidden] == 255).all()
    np.testing.assert_array_equal(out[~hidden][:, ::-1],
                                  np.asarray(pal.convert('RGB'))[~hidden])

    bits = np.random.default_rng(4).random((5, 8)) > 0.5
    Image.fromarray(bits).save(tmp_path / 'bits.png')
    np.testing.assert_array_equal(
        read_image(tmp_path / 'bits.png', grey=True), bits * 255)


def test_cmyk_jpeg(tmp_path):
    cmyk = rgb_pixels(16, 16, seed=5, channels=4)
    path = tmp_path / 'cmyk.jpg'
    Image.fromarray(cmyk, 'CMYK').save(path, quality=100)
    out = read_image(path)
    # OpenCV's own decoder (libjpeg's CMYK -> BGR)
    np.testing.assert_allclose(out, cv2.imread(str(path)), atol=3)
    # R = (255 - C) * (255 - K) / 255 of the decoded CMYK values
    c, m, y, k = np.moveaxis(
        np.asarray(Image.open(path)).astype(np.float64), -1, 0)
    want = np.stack([(255 - v) * (255 - k) / 255 for v in (y, m, c)], -1)
    np.testing.assert_allclose(out, want, atol=1)


@pytest.mark.parametrize('ext', ['png', 'tif'])
def test_16_bit_is_scaled_by_the_full_range(tmp_path, ext):
    rng = np.random.default_rng(6)
    grey = rng.integers(0, 65536, (5, 7), dtype=np.uint16)
    grey[0, :4] = (0, 128, 65535, 300)
    cv2.imwrite(str(tmp_path / f'g16.{ext}'), grey)
    out = read_image(tmp_path / f'g16.{ext}', grey=True)
    np.testing.assert_array_equal(out, np.round(grey / 257.))
    assert tuple(out[0, :4]) == (0, 0, 255, 1)  # not clipped at 255
    bgr = rng.integers(0, 65536, (5, 7, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / f'c16.{ext}'), bgr)
    np.testing.assert_array_equal(
        read_image(tmp_path / f'c16.{ext}'), np.round(bgr / 257.))


def test_16_bit_rgba_and_float(tmp_path):
    rng = np.random.default_rng(7)
    bgra = rng.integers(0, 65536, (4, 6, 4), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / 'rgba16.png'), bgra)
    rgba8 = np.round(bgra[..., [2, 1, 0, 3]] / 257.).astype(np.uint8)
    np.testing.assert_array_equal(
        read_image(tmp_path / 'rgba16.png')[..., ::-1], over_white(rgba8))

    values = rng.random((4, 6)).astype(np.float32)
    values[0, :2] = (-0.5, 2.)  # outside 0..1: clipped
    Image.fromarray(values, 'F').save(tmp_path / 'float.tif')
    np.testing.assert_array_equal(
        read_image(tmp_path / 'float.tif', grey=True),
        np.round(np.clip(values, 0, 1) * 255))


def test_tiny_and_animated(tmp_path):
    cv2.imwrite(
        str(tmp_path / 'one.png'), np.array([[[10, 20, 30]]], np.uint8))
    assert read_image(tmp_path / 'one.png').tolist() == [[[10, 20, 30]]]
    assert read_image(tmp_path / 'one.png', grey=True).shape == (1, 1)

    # colours a GIF palette keeps exactly
    first = np.zeros((10, 12, 3), np.uint8)
    first[:, :6] = (255, 0, 0)
    second = np.full((10, 12, 3), 255, np.uint8)
    Image.fromarray(first).save(
        tmp_path / 'anim.gif',
        save_all=True,
        append_images=[Image.fromarray(second)],
        duration=100)
    assert Image.open(tmp_path / 'anim.gif').n_frames == 2
    np.testing.assert_array_equal(
        read_image(tmp_path / 'anim.gif')[..., ::-1], first)


@pytest.mark.parametrize('ext', ['jpg', 'png', 'tif'])
def test_exif_orientation_as_pil_exif_transpose(tmp_path, ext):
    rgb = rgb_pixels(4, 6, seed=8)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f'o{orientation}.{ext}'
        Image.fromarray(rgb).save(path, exif=exif, quality=95)
        want = np.asarray(
            ImageOps.exif_transpose(Image.open(path)).convert('RGB'))
        out = read_image(path)
        assert out.shape[:2] == want.shape[:2], orientation
        np.testing.assert_array_equal(out[..., ::-1], want)
        assert image_size(path) == (want.shape[1], want.shape[0])
    if ext == 'png':  # lossless: the stored pixels turned upright
        np.testing.assert_array_equal(
            read_image(tmp_path / 'o6.png')[..., ::-1], np.rot90(rgb, -1))


def test_apply_orientation_matches_pil():
    rgb = rgb_pixels(3, 5, seed=9)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        img = Image.fromarray(rgb)
        img.info['exif'] = exif.tobytes()
        img.getexif()[0x0112] = orientation
        want = np.asarray(ImageOps.exif_transpose(img))
        np.testing.assert_array_equal(
            apply_orientation(rgb, orientation), want)


def test_huge_image_and_the_pixel_limit(tmp_path, monkeypatch):
    path = tmp_path / 'huge.png'
    Image.new('L', (12000, 9000), 7).save(path)  # 108 MP: above PIL's 89 MP
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no DecompressionBombWarning
        out = read_image(path, grey=True)
    assert out.shape == (9000, 12000) and out[4500, 6000] == 7
    assert 12000 * 9000 < DEFAULT_MAX_PIXELS

    small = tmp_path / 'small.png'
    cv2.imwrite(str(small), np.zeros((30, 40), np.uint8))
    with pytest.raises(DataError) as info:
        read_image(small, max_pixels=1000)
    msg = str(info.value)
    assert f'image {small} is 40 x 30 pixels' in msg
    assert f'{MAX_PIXELS_ENV}=1200' in msg
    monkeypatch.setenv(MAX_PIXELS_ENV, '1000')
    with pytest.raises(DataError, match='more than the limit of 0.0 MP'):
        read_image(small)
    monkeypatch.setenv(MAX_PIXELS_ENV, '1200')
    assert read_image(small).shape == (30, 40, 3)
    monkeypatch.setenv(MAX_PIXELS_ENV, 'lots')
    with pytest.raises(DataError, match=f'{MAX_PIXELS_ENV}=.lots. is not'):
        read_image(small)
    # PIL's own limit plays no part (and is left as it was)
    monkeypatch.delenv(MAX_PIXELS_ENV)
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 100)
    assert read_image(small).shape == (30, 40, 3)
    assert Image.MAX_IMAGE_PIXELS == 100


def test_clear_errors(tmp_path):
    missing = tmp_path / 'missing.png'
    with pytest.raises(FileNotFoundError, match=f'image {missing} does'):
        read_image(missing)
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(DataError, match=r'is empty \(0 bytes\)'):
        read_image(empty)
    text = tmp_path / 'notes.jpg'
    text.write_bytes(b'hello, not an image')
    with pytest.raises(DataError) as info:
        read_image(text)
    assert str(info.value) == (
        f"image {text} (19 bytes, starting b'hello, n') is not an image "
        'file that can be decoded; give an image file (PNG, JPEG, ...)')
    for ext in ('png', 'jpg'):
        whole = tmp_path / f'whole.{ext}'
        cv2.imwrite(str(whole), rgb_pixels(64, 64, seed=10))
        data = whole.read_bytes()
        cut = tmp_path / f'cut.{ext}'
        cut.write_bytes(data[:len(data) // 2])
        with pytest.raises(DataError) as info:
            read_image(cut)
        msg = str(info.value)
        assert msg.startswith(f'image {cut} ({len(data) // 2} bytes, '
                              f'starting {data[:8]!r}) is truncated')
        assert 're-export' in msg
