"""LR/HR patch pairs for pre-training RACNN's SR layers (p-RACNN).

Cai et al., "Convolutional low-resolution fine-grained classification",
Sec. II-C "Network Training", eq. (4): the three SR layers are pre-trained
alone with the mean square loss between ``X_HR - X_LR`` and ``g(X_LR)`` on
patch pairs cut with a sliding window from natural images (the paper: the
11,142 images of the ILSVRC 2015 ImageNet detection test set, in RGB). Each
image is resized to the HR size (227 x 227 in the paper), its LR version is
made by the paper's low-resolution protocol (bicubic down to 50 x 50, then
bicubic back up to the HR size: :class:`~mmfg.datasets.transforms.
LowResolution`), and both are cut into ``patch`` x ``patch`` windows every
``stride`` pixels. The 51 x 51 / stride 17 defaults are SRCNN's (Dong et
al.); the paper gives no patch size.

Images come either from a folder (searched recursively) or from any
registered dataset (``source=dict(type='FashionMNIST', ...)``, ``CUB``,
...), whose raw samples (``img`` array or ``img_path``) are read, not its
pipeline.
"""
from typing import List, Optional, Union

import mmcv
import numpy as np
import torch
from mmengine import fileio
from mmengine.dataset import BaseDataset
from mmengine.structures import BaseDataElement

from mmfg.registry import DATASETS
from mmfg.utils import ConfigError, DataError
from .transforms import LowResolution, bicubic_resize

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.pgm', '.bmp', '.tif',
                  '.tiff', '.webp')


def patch_grid(size: int, patch: int, stride: int) -> List[int]:
    """Top (or left) coordinates of the sliding windows along one side:
    ``0, stride, 2 * stride, ...`` while the window fits (the remainder at
    the far border is not covered, as in SRCNN)."""
    return list(range(0, size - patch + 1, stride))


@DATASETS.register_module()
class SRPatchDataset(BaseDataset):
    """LR/HR patch pairs (p-RACNN pre-training, Cai et al. Sec. II-C).

    Every image is converted to ``in_channels`` (RGB or grey), resized to
    ``hr_size`` x ``hr_size`` with :func:`~mmfg.datasets.transforms.
    bicubic_resize` (HR) and passed through ``LowResolution(lr_size)`` (LR:
    bicubic down to ``lr_size``, back up to ``hr_size``, stored as 8-bit).
    Both are cut into the same windows; sample ``i`` is window
    ``i % P`` (row-major) of image ``i // P``, ``P = n * n`` with
    ``n = (hr_size - patch) // stride + 1``.

    Args:
        data_root (str): root folder; ``data_prefix`` is relative to it.
        data_prefix (str | dict): the image folder (or
            ``dict(img_path=folder)``), searched recursively for
            ``IMG_EXTENSIONS`` files, read in sorted order.
        source (dict, optional): a dataset config to take the images from
            instead of a folder, e.g. ``dict(type='FashionMNIST',
            data_root='data/fashion_mnist', split='train')``. Its samples'
            ``img`` arrays (assumed RGB when 3-channel) or ``img_path``
            files are used; its pipeline is not.
        hr_size (int): side of the HR image (227).
        lr_size (int): side of the low resolution (50).
        patch (int): side of the square patches (51).
        stride (int): window step (17).
        in_channels (int): 3 (RGB) or 1 (grey).
        max_images (int, optional): use only the first ``max_images``.
        backend_args (dict, optional): mmengine file backend arguments.
        **kwargs: :class:`mmengine.dataset.BaseDataset`'s ``indices``
            (selects images, not patches), ``lazy_init``, ``test_mode``,
            ``serialize_data``, ``metainfo``.

    A sample is ``dict(inputs=LR, data_samples=BaseDataElement(gt_img=HR,
    metainfo=...))`` with LR and HR uint8 tensors of shape
    (in_channels, patch, patch), RGB; the metainfo holds ``img_path``,
    ``img_idx``, ``sample_idx`` and ``patch_box`` (x1, y1, x2, y2) in the
    HR image. Normalise them with ``SRDataPreprocessor`` (same mean/std as
    the classifier the SR layers are for).
    """

    METAINFO = dict(task='super-resolution patch pairs')

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 source: Optional[dict] = None,
                 hr_size: int = 227,
                 lr_size: int = 50,
                 patch: int = 51,
                 stride: int = 17,
                 in_channels: int = 3,
                 max_images: Optional[int] = None,
                 backend_args: Optional[dict] = None,
                 **kwargs):
        for name, value in (('hr_size', hr_size), ('lr_size', lr_size),
                            ('patch', patch), ('stride', stride)):
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f'SRPatchDataset: {name} must be a '
                                  f'positive int, got {value!r}')
        if hr_size < patch:
            raise ConfigError(
                f'SRPatchDataset: hr_size {hr_size} < patch {patch}: no '
                'patch fits in the HR image; raise hr_size or lower patch')
        if lr_size > hr_size:
            raise ConfigError(
                f'SRPatchDataset: lr_size {lr_size} > hr_size {hr_size}: '
                'the low resolution must not exceed the HR size')
        if in_channels not in (1, 3):
            raise ConfigError('SRPatchDataset: in_channels must be 1 (grey) '
                              f'or 3 (RGB), got {in_channels!r}')
        if max_images is not None and max_images < 1:
            raise ConfigError('SRPatchDataset: max_images must be >= 1 or '
                              f'None, got {max_images!r}')
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        if source is not None and (data_prefix.get('img_path') or data_root):
            raise ConfigError(
                'SRPatchDataset: give either an image folder (data_root / '
                'data_prefix) or source=dict(type=...), not both')
        self.source = source
        self.hr_size, self.lr_size = hr_size, lr_size
        self.patch, self.stride = patch, stride
        self.in_channels = in_channels
        self.max_images = max_images
        self.backend_args = backend_args
        self.grid = patch_grid(hr_size, patch, stride)
        self.patches_per_image = len(self.grid)**2
        self._low_res = LowResolution(size=lr_size)
        self._hr = self._lr = None
        metainfo = dict(
            hr_size=hr_size,
            lr_size=lr_size,
            patch=patch,
            stride=stride,
            in_channels=in_channels)
        metainfo.update(kwargs.pop('metainfo', None) or {})
        if kwargs.get('pipeline'):
            raise ConfigError(
                'SRPatchDataset packs its LR/HR pairs itself: remove its '
                'pipeline (augmenting LR and HR consistently is not '
                'supported)')
        kwargs.pop('pipeline', None)
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)

    # ----------------------------------------------------------- images
    def _folder_items(self):
        img_dir = self.data_prefix['img_path']
        if not fileio.isdir(img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'SRPatchDataset: image folder {img_dir} does not exist; '
                'put natural images (any of ' + ', '.join(IMG_EXTENSIONS) +
                ', sub-folders allowed) there, or set data_root / '
                'data_prefix (or source=dict(type=...)) in the config')
        names = sorted(
            name for name in fileio.list_dir_or_file(
                img_dir,
                list_dir=False,
                recursive=True,
                backend_args=self.backend_args)
            if name.lower().endswith(IMG_EXTENSIONS))
        if not names:
            raise DataError(
                f'SRPatchDataset: no image file ({", ".join(IMG_EXTENSIONS)}'
                f') under {img_dir}; copy natural images there')
        for name in names[:self.max_images]:
            path = fileio.join_path(
                img_dir, name, backend_args=self.backend_args)
            yield path, lambda path=path: self._read(path)

    def _source_items(self):
        cfg = dict(self.source)
        src = DATASETS.build(cfg)
        num = len(src)
        if num == 0:
            raise DataError(f'SRPatchDataset: the source dataset {cfg} has '
                            'no samples')
        tag = type(src).__name__
        for i in range(min(num, self.max_images or num)):
            info = src.get_data_info(i)
            if info.get('img') is not None:
                yield (info.get('img_path', f'{tag}[{i}]'),
                       lambda img=info['img']: self._convert(img))
            elif info.get('img_path'):
                path = info['img_path']
                yield path, lambda path=path: self._read(path)
            else:
                raise DataError(
                    f'SRPatchDataset: sample {i} of the source {tag} has '
                    'neither "img" nor "img_path"')

    def _read(self, path):
        try:
            content = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'SRPatchDataset: image {path} does not exist') from None
        try:
            img = mmcv.imfrombytes(
                content,
                flag='grayscale' if self.in_channels == 1 else 'color',
                channel_order='rgb')
        except Exception:  # noqa: BLE001 - cv2.error on broken files
            img = None
        if img is None:
            raise DataError(
                f'SRPatchDataset: {path} could not be decoded as an image; '
                'remove or replace the file')
        return self._convert(img)

    def _convert(self, img):
        """(H, W[, C]) uint8 -> (H, W, in_channels) uint8, RGB."""
        img = np.asarray(img)
        if img.ndim == 3 and img.shape[2] == 1:
            img = img[..., 0]
        if img.ndim == 3 and img.shape[2] == 4:
            img = img[..., :3]
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
            raise DataError(f'SRPatchDataset: expected an (H, W) or '
                            f'(H, W, 3) image, got shape {img.shape}')
        if img.dtype != np.uint8:
            raise DataError('SRPatchDataset: expected uint8 images, got '
                            f'{img.dtype}')
        if self.in_channels == 1:
            if img.ndim == 3:
                img = mmcv.rgb2gray(img)
            return img[..., None]
        return img if img.ndim == 3 else np.repeat(img[..., None], 3, 2)

    def load_data_list(self) -> List[dict]:
        """Read every image once, keep its HR and LR versions in memory
        ((N, hr_size, hr_size, C) uint8 each); one data-list entry per
        image."""
        items = (
            self._source_items()
            if self.source is not None else self._folder_items())
        s = self.hr_size
        data_list, hrs, lrs = [], [], []
        for path, load in items:
            hr = bicubic_resize(load(), (s, s))
            hr = hr if hr.ndim == 3 else hr[..., None]
            lr = self._low_res(dict(img=hr))['img']
            lr = lr if lr.ndim == 3 else lr[..., None]
            data_list.append(dict(img_path=path, img_idx=len(hrs)))
            hrs.append(hr)
            lrs.append(lr)
        self._hr, self._lr = np.stack(hrs), np.stack(lrs)
        return data_list

    # ---------------------------------------------------------- patches
    @property
    def num_images(self) -> int:
        return super().__len__()

    def __len__(self) -> int:
        return self.num_images * self.patches_per_image

    def get_data_info(self, idx: int) -> dict:
        """Patch ``idx``: the image's entry plus ``lr_patch``, ``hr_patch``
        ((patch, patch, C) uint8) and ``patch_box`` (x1, y1, x2, y2)."""
        if idx < 0:
            idx += len(self)
        img, k = divmod(idx, self.patches_per_image)
        info = super().get_data_info(img)
        row, col = divmod(k, len(self.grid))
        y, x, p = self.grid[row], self.grid[col], self.patch
        j = info['img_idx']
        info.update(
            sample_idx=idx,
            patch_box=(x, y, x + p, y + p),
            lr_patch=self._lr[j, y:y + p, x:x + p],
            hr_patch=self._hr[j, y:y + p, x:x + p])
        return info

    def prepare_data(self, idx: int) -> dict:
        info = self.get_data_info(idx)

        def chw(a):
            return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))

        sample = BaseDataElement(
            gt_img=chw(info.pop('hr_patch')),
            metainfo=dict(
                img_path=info['img_path'],
                img_idx=info['img_idx'],
                sample_idx=info['sample_idx'],
                patch_box=info['patch_box']))
        return dict(inputs=chw(info['lr_patch']), data_samples=sample)

    def extra_repr(self) -> List[str]:
        where = (f'Source: \t{self.source["type"]}' if self.source else
                 f'Image folder: \t{self.data_prefix["img_path"]}')
        return [
            where, f'HR / LR size: \t{self.hr_size} / {self.lr_size}',
            f'Patch / stride: \t{self.patch} / {self.stride} '
            f'({self.patches_per_image} per image)'
        ]

    def __repr__(self):
        lines = [f'Dataset {type(self).__name__}']
        if self._fully_initialized:
            lines.append(f'Number of images: \t{self.num_images}')
            lines.append(f'Number of patch pairs: \t{len(self)}')
        else:
            lines.append('Haven\'t been initialized')
        lines += self.extra_repr()
        return '\n    '.join(lines)


__all__ = ['SRPatchDataset', 'patch_grid', 'IMG_EXTENSIONS']
