"""Decode any image file a user may have into what mmfg's pipelines take.

:func:`read_image` gives an ``(H, W)`` grey or ``(H, W, 3)`` BGR uint8
array (the layout of ``mmcv.imread``) for every common file kind, each
converted by one documented rule instead of a decoder's silent default:

* **transparency** (RGBA, grey + alpha, palette PNG/GIF with a transparent
  colour, premultiplied modes): composited over a white background
  (``background``), as a viewer shows the picture on a white page. The
  alpha is never just dropped: the colour of fully transparent pixels is
  arbitrary (often black) and would be part of the image. mmcv's pillow
  backend drops the alpha of RGBA and fills grey + alpha with (124, 117,
  104); its cv2 backend drops the alpha.
* **16-bit** PNG/TIFF (grey or colour): scaled by the full range,
  ``round(v / 257)`` (0..65535 -> 0..255), never clipped (PIL's own
  conversion clips a 16-bit grey image at 255, and it reads 16-bit colour
  as the high byte; OpenCV's ``IMREAD_COLOR`` takes the high byte,
  ``v >> 8``). 32-bit integer images whose values fit in 16 bits (how some
  writers store 16-bit data) take the same rule, larger ones are scaled from
  0..2**31-1; floating-point images are taken as 0..1 (values outside are
  clipped).
* **CMYK** JPEG/TIFF: PIL's conversion, ``R = (255 - C) * (255 - K) / 255``
  (Adobe's inverted CMYK JPEGs are un-inverted by PIL's decoder); colour
  profiles (ICC) are ignored, as mmcv's loaders ignore them, so a photo is
  read as the training images were.
* **palette** images: their colours; **1-bit**: 0 / 255.
* **several frames** (animated GIF/WebP, multi-page TIFF): the first.
* **EXIF orientation** (JPEG, PNG, TIFF, WebP): applied, as PIL's
  ``ImageOps.exif_transpose`` does; ``mmcv.imread`` does the same by
  default (flags ``'color'`` / ``'grayscale'``, cv2 and pillow backends;
  not with ``'unchanged'``, the ``*_ignore_orientation`` flags or the
  turbojpeg/tifffile backends).
* **grey output** of a colour image: ``cv2.cvtColor`` BGR->grey (ITU-R
  BT.601 luma, the conversion of ``mmcv.bgr2gray`` that the inferencer
  applies to colour arrays); a grey output of a grey file is its pixels
  unchanged, a colour output of a grey file repeats them in B, G and R.

PIL decodes every format it knows; OpenCV decodes 16-bit colour (PIL keeps
8 bits of it) and the formats PIL does not identify.

**Size limit**: images above :data:`DEFAULT_MAX_PIXELS` pixels (2**28,
e.g. 16384 x 16384; a 12000 x 9000 photo is below it) are refused with a
:class:`~mmfg.utils.errors.DataError` naming the size, before any pixel is
decoded (a guard against decompression bombs: a few kilobytes of PNG can
decode to gigabytes). Raise it with ``max_pixels=`` or the environment
variable ``MMFG_MAX_IMAGE_PIXELS`` (0 = no limit). PIL's own limit
(``PIL.Image.MAX_IMAGE_PIXELS``: a warning above 89.5 MP, an error above
179 MP) is replaced by this one; OpenCV's (``CV_IO_MAX_IMAGE_PIXELS``, 2**30)
still applies to the images OpenCV decodes.
"""
import io
import os
import os.path as osp
import threading
from os import PathLike
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmfg.utils.errors import DataError

#: pixels (width x height) above which :func:`read_image` refuses an image
DEFAULT_MAX_PIXELS = 2**28
#: environment variable that overrides :data:`DEFAULT_MAX_PIXELS`
MAX_PIXELS_ENV = 'MMFG_MAX_IMAGE_PIXELS'
#: the EXIF tag of the orientation
EXIF_ORIENTATION = 0x0112

_PIL_LIMIT_LOCK = threading.Lock()
_FIX = 'give an image file (PNG, JPEG, ...)'


def max_image_pixels(max_pixels: Optional[int] = None) -> int:
    """The pixel limit: ``max_pixels`` if given, else the environment
    variable ``MMFG_MAX_IMAGE_PIXELS``, else :data:`DEFAULT_MAX_PIXELS`;
    0 means no limit.

    Raises:
        DataError: the environment variable is not a whole number >= 0.
    """
    if max_pixels is None:
        value = os.environ.get(MAX_PIXELS_ENV, '').strip()
        if not value:
            return DEFAULT_MAX_PIXELS
        try:
            max_pixels = int(value)
        except ValueError:
            max_pixels = -1
        if max_pixels < 0:
            raise DataError(f'{MAX_PIXELS_ENV}={value!r} is not a number '
                            'of pixels; give a whole number >= 0 (0 = no '
                            'limit)')
    return int(max_pixels)


def _file_facts(path: str) -> Tuple[int, bytes]:
    """``(size in bytes, first 8 bytes)``; FileNotFoundError naming the
    image, DataError for an empty file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path} does not exist')
    size = osp.getsize(path)
    with open(path, 'rb') as f:  # a PermissionError names the file
        head = f.read(8)
    if size == 0:
        raise DataError(f'image {path} is empty (0 bytes); {_FIX}')
    return size, head


def _not_an_image(path, size, head):
    return DataError(f'image {path} ({size} bytes, starting {head!r}) is '
                     f'not an image file that can be decoded; {_FIX}')


def _open_pil(source, path, size, head):
    """``PIL.Image.open`` without PIL's decompression-bomb limit (ours is
    checked by the caller from the header); None when PIL does not know
    the format."""
    from PIL import Image, UnidentifiedImageError

    with _PIL_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(source)
        except UnidentifiedImageError:
            return None
        except Exception as exc:  # noqa: BLE001 - decoders raise many types
            raise DataError(
                f'image {path} ({size} bytes, starting {head!r}) cannot be '
                f'read: {_cause(exc)}; re-copy or re-export the file'
            ) from None
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _cause(exc):
    return ' '.join(str(exc).split()) or type(exc).__name__


def _check_limit(path, width, height, max_pixels):
    limit = max_image_pixels(max_pixels)
    if limit and width * height > limit:
        raise DataError(
            f'image {path} is {width} x {height} pixels '
            f'({width * height / 1e6:.1f} MP), more than the limit of '
            f'{limit / 1e6:.1f} MP that guards against decompression bombs; '
            f'set {MAX_PIXELS_ENV}={width * height} (0 = no limit) to read '
            'it, or shrink the image')


def _orientation(img) -> int:
    """EXIF orientation 1..8 of a PIL image (1 when absent or invalid)."""
    try:
        value = int(img.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block: no rotation
        return 1
    return value if 1 <= value <= 8 else 1


def apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an array stored with EXIF ``orientation`` (1..8) upright, as
    PIL's ``ImageOps.exif_transpose``: 2 mirror, 3 rotate 180, 4 flip, 5
    transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90
    counter-clockwise. ``img`` is ``(H, W)`` or ``(H, W, C)``."""
    if orientation == 2:
        out = img[:, ::-1]
    elif orientation == 3:
        out = img[::-1, ::-1]
    elif orientation == 4:
        out = img[::-1]
    elif orientation == 5:
        out = img.swapaxes(0, 1)
    elif orientation == 6:
        out = np.rot90(img, -1)
    elif orientation == 7:
        out = img[::-1, ::-1].swapaxes(0, 1)
    elif orientation == 8:
        out = np.rot90(img, 1)
    else:
        return img
    return np.ascontiguousarray(out)


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Pixel values of any depth -> uint8 by the rules of the module
    docstring (uint16 ``round(v / 257)``, floats as 0..1, bool 0/255)."""
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if arr.dtype.kind == 'f':
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.)
        return np.round(np.clip(arr, 0., 1.) * 255.).astype(np.uint8)
    if arr.dtype.kind in 'iu':
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() > 65535):
            scaled = np.clip(arr, 0, 2**31 - 1) * 255. / (2**31 - 1)
            return np.round(scaled).astype(np.uint8)
        return ((arr + 128) // 257).astype(np.uint8)
    raise DataError(f'pixel type {arr.dtype} is not supported')


def _high_bit_depth(img) -> bool:
    """Whether PIL decodes this RGB/RGBA/LA image from 16-bit samples (and
    would keep only their high byte)."""
    if img.mode not in ('RGB', 'RGBA', 'LA'):
        return False
    return any(';16' in str(tile[3]) for tile in (img.tile or []))


def _imdecode_unchanged(data: bytes) -> Optional[np.ndarray]:
    """OpenCV's ``IMREAD_UNCHANGED`` decode (BGR/BGRA order, any depth),
    its log lines silenced; None when it cannot."""
    import cv2

    logging = getattr(getattr(cv2, 'utils', None), 'logging', None)
    level = logging.getLogLevel() if logging else None
    try:
        if logging:
            logging.setLogLevel(logging.LOG_LEVEL_SILENT)
        return cv2.imdecode(
            np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    finally:
        if logging:
            logging.setLogLevel(level)


def _cv2_to_rgb(arr: np.ndarray) -> np.ndarray:
    """An OpenCV array ``(H, W)``, ``(H, W, 1|3|4)`` in BGR(A) order ->
    ``(H, W)`` or ``(H, W, 3|4)`` in RGB(A) order."""
    if arr.ndim == 3:
        if arr.shape[2] == 1:
            return arr[..., 0]
        if arr.shape[2] == 3:
            return arr[..., ::-1]
        if arr.shape[2] == 4:
            return arr[..., [2, 1, 0, 3]]
        raise DataError(f'{arr.shape[2]} channels are not supported')
    return arr


def _pil_to_array(img) -> np.ndarray:
    """A decoded PIL image -> ``(H, W)`` grey, ``(H, W, 3)`` RGB or
    ``(H, W, 4)`` RGBA, of its own depth."""
    mode = img.mode
    if mode in ('L', 'RGB', 'RGBA'):
        return np.array(img)  # a writable copy
    if mode == '1':
        return to_uint8(np.array(img))
    if mode.startswith('I') or mode == 'F':
        arr = np.array(img)
        return arr.astype(arr.dtype.newbyteorder('='))
    if mode in ('LA', 'La', 'PA', 'RGBa') or (mode == 'P'
                                              and img.has_transparency_data):
        return np.array(img.convert('RGBA'))
    return np.array(img.convert('RGB'))  # P, CMYK, YCbCr, RGBX, HSV, ...


def _composite(rgba: np.ndarray, background: Sequence[int]) -> np.ndarray:
    """``(H, W, 4)`` uint8 RGBA over an opaque RGB ``background`` ->
    ``(H, W, 3)``: ``round((c * a + b * (255 - a)) / 255)``."""
    alpha = rgba[..., 3:].astype(np.uint32)
    colour = rgba[..., :3].astype(np.uint32)
    bg = np.asarray(background, np.uint32).reshape(1, 1, 3)
    out = (colour * alpha + bg * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)


def _finish(arr: np.ndarray, orientation: int, grey: bool,
            background: Sequence[int]) -> np.ndarray:
    """RGB(A)/grey array of any depth -> the uint8 output layout."""
    import cv2

    arr = to_uint8(arr)
    if not arr.flags.writeable:
        arr = arr.copy()
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = _composite(arr, background)
    arr = apply_orientation(arr, orientation)
    if grey:
        if arr.ndim == 3:
            arr = cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGB2GRAY)
        return np.ascontiguousarray(arr)
    if arr.ndim == 2:
        return np.ascontiguousarray(np.repeat(arr[..., None], 3, axis=2))
    return np.ascontiguousarray(arr[..., ::-1])


def read_image(
    path: Union[str, PathLike],
    grey: bool = False,
    *,
    max_pixels: Optional[int] = None,
    background: Sequence[int] = (255, 255, 255)
) -> np.ndarray:
    """Decode the image file ``path`` by the rules of the module docstring.

    Args:
        path (str | PathLike): the file.
        grey (bool): return ``(H, W)`` grey instead of ``(H, W, 3)`` BGR.
        max_pixels (int, optional): refuse images with more pixels; default
            :func:`max_image_pixels` (``MMFG_MAX_IMAGE_PIXELS`` or 2**28);
            0 = no limit.
        background (tuple[int, int, int]): RGB colour that transparent
            pixels are composited over; default white.

    Returns:
        ndarray: uint8 ``(H, W)`` if ``grey`` else ``(H, W, 3)`` BGR,
        upright (EXIF orientation applied), ``(H, W)`` of the first frame.

    Raises:
        FileNotFoundError: no such file.
        DataError: the file is empty, not an image, truncated or corrupt,
            or larger than the pixel limit; the message names the path,
            its byte size and first bytes.
    """
    path = os.fspath(path)
    size, head = _file_facts(path)
    with open(path, 'rb') as f:
        data = f.read()
    img = _open_pil(io.BytesIO(data), path, size, head)
    if img is None:  # a format PIL does not know: OpenCV's decoders
        arr = _imdecode_unchanged(data)
        if arr is None or arr.size == 0:
            raise _not_an_image(path, size, head)
        _check_limit(path, arr.shape[1], arr.shape[0], max_pixels)
        return _finish(_cv2_to_rgb(arr), 1, grey, background)
    with img:
        _check_limit(path, img.width, img.height, max_pixels)
        try:
            img.seek(0)
            arr = None
            if _high_bit_depth(img):
                orientation = _orientation(img)
                arr = _imdecode_unchanged(data)
                # (PIL gives a TIFF its upright size at once)
                if arr is not None and arr.dtype == np.uint16 and sorted(
                        arr.shape[:2]) == sorted(img.size):
                    arr = _cv2_to_rgb(arr)
                else:  # OpenCV cannot: PIL's 8 bits
                    arr = None
            if arr is None:
                img.load()
                # after loading: PIL turns TIFFs upright itself as it loads
                # them (and drops their orientation tag)
                orientation = _orientation(img)
                arr = _pil_to_array(img)
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - decoders raise many types
            raise DataError(
                f'image {path} ({size} bytes, starting {head!r}) is '
                f'truncated or corrupt ({_cause(exc)}); re-copy or '
                're-export the file') from None
    return _finish(arr, orientation, grey, background)


def image_size(path: Union[str, PathLike]) -> Tuple[int, int]:
    """``(width, height)`` of the upright image :func:`read_image` gives,
    read from the file's header where PIL knows the format (no pixel
    decoded, except for a TIFF turned by its EXIF orientation), else by
    decoding the file. A PNG whose EXIF block comes after the pixel data
    counts as unrotated here.

    Raises:
        FileNotFoundError, DataError: as :func:`read_image` (an undecodable
            file may pass here and fail in :func:`read_image`).
    """
    path = os.fspath(path)
    size, head = _file_facts(path)
    img = _open_pil(path, path, size, head)
    if img is not None:
        with img:
            orientation = 1
            if img.format != 'PNG' or 'exif' in img.info:
                orientation = _orientation(img)
            if orientation < 5:
                return img.width, img.height
            if img.format != 'TIFF':
                return img.height, img.width
    h, w = read_image(path, grey=True).shape
    return w, h
