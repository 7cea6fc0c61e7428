"""SRPatchDataset: LR/HR patch pairs for p-RACNN pre-training (Cai et al.
Sec. II-C), checked against hand-computed windows and an independent
implementation of the low-resolution protocol."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmfg.datasets import SRPatchDataset
from mmfg.registry import DATASETS
from mmfg.testing.idx_fixtures import write_idx
from mmfg.utils import ConfigError, DataError, register_all_modules


@pytest.fixture(autouse=True, scope='module')
def _register():
    register_all_modules()


def _images(folder, shapes=((50, 61), (40, 40), (73, 45)), seed=0):
    """Smooth random RGB images written with cv2 (BGR files)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rgbs = []
    for i, (h, w) in enumerate(shapes):
        small = rng.integers(0, 256, (h // 8 + 2, w // 8 + 2, 3), np.uint8)
        rgb = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        sub = folder / ('sub' if i % 2 else '')
        sub.mkdir(exist_ok=True)
        cv2.imwrite(str(sub / f'img{i}.png'), rgb[..., ::-1])
        rgbs.append(rgb)
    return rgbs


def _ref_bicubic(img, size):
    """The protocol spelled out: anti-aliased bicubic (Keys a = -0.5, as
    PIL) in float, stored as 8-bit after every resize: (H, W, C) uint8 ->
    (size, size, C) uint8."""
    t = torch.from_numpy(img).permute(2, 0, 1)[None].float()
    out = F.interpolate(
        t,
        size=(size, size),
        mode='bicubic',
        align_corners=False,
        antialias=True)
    return out.round().clamp(0, 255)[0].permute(1, 2, 0).byte().numpy()


def _pil_bicubic(img, size):
    """PIL's bicubic resize (an independent fixed-point implementation of
    the same kernel): (H, W, C) uint8 -> (size, size, C) uint8."""
    from PIL import Image
    pil = Image.fromarray(img if img.shape[2] == 3 else img[..., 0])
    out = np.asarray(pil.resize((size, size), Image.BICUBIC))
    return out if out.ndim == 3 else out[..., None]


def test_patch_count_positions_and_protocol(tmp_path):
    rgbs = _images(tmp_path / 'imgs')
    # hr 40, patch 13, stride 6: windows at 0, 6, 12, 18, 24 (24 + 13 <= 40,
    # 30 + 13 > 40): 5 per side, 25 per image
    ds = SRPatchDataset(
        data_root=str(tmp_path),
        data_prefix='imgs',
        hr_size=40,
        lr_size=10,
        patch=13,
        stride=6)
    assert ds.patches_per_image == 25
    assert ds.num_images == 3 and len(ds) == 75
    # recursive, sorted by relative path: img0.png, img2.png, sub/img1.png
    paths = [ds.get_data_info(i * 25)['img_path'] for i in range(3)]
    assert [osp.relpath(p, tmp_path / 'imgs') for p in paths
            ] == ['img0.png', 'img2.png',
                  osp.join('sub', 'img1.png')]
    # sample 25 * 1 + 5 * 2 + 3: image 1 (img2.png), row 2, column 3
    item = ds[25 + 13]
    meta = item['data_samples'].metainfo
    assert meta['patch_box'] == (18, 12, 31, 25)
    assert meta['img_idx'] == 1 and meta['sample_idx'] == 38
    lr, hr = item['inputs'], item['data_samples'].gt_img
    assert lr.dtype == hr.dtype == torch.uint8
    assert lr.shape == hr.shape == (3, 13, 13)
    # independent reference: HR = image resized to 40; LR = HR bicubic down
    # to 10 and back up to 40, 8-bit after each step; RGB channel order
    ref_hr = _ref_bicubic(rgbs[2], 40)
    ref_lr = _ref_bicubic(_ref_bicubic(ref_hr, 10), 40)
    np.testing.assert_array_equal(
        hr.permute(1, 2, 0).numpy(), ref_hr[12:25, 18:31])
    np.testing.assert_array_equal(
        lr.permute(1, 2, 0).numpy(), ref_lr[12:25, 18:31])
    assert not torch.equal(lr, hr)
    # each resize agrees with PIL's (fixed-point) to one level
    small = _ref_bicubic(ref_hr, 10)
    for mine, pil in ((ds._hr[1], _pil_bicubic(rgbs[2], 40)),
                      (small, _pil_bicubic(ref_hr,
                                           10)), (ds._lr[1],
                                                  _pil_bicubic(small, 40))):
        diff = np.abs(pil.astype(int) - mine)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.7
    # last window of the last image
    assert ds[-1]['data_samples'].patch_box == (24, 24, 37, 37)


def test_paper_geometry_and_channel_order(tmp_path):
    """227 / 51 / 17 (SRCNN's windows, the paper's sizes): (227 - 51) // 17
    + 1 = 11 windows per side, 121 per image; a uniform colour stays itself
    (RGB, not cv2's BGR)."""
    folder = tmp_path / 'uniform'
    folder.mkdir()
    bgr = np.zeros((100, 120, 3), np.uint8)
    bgr[:] = (10, 20, 200)  # red in BGR
    cv2.imwrite(str(folder / 'red.png'), bgr)
    ds = SRPatchDataset(data_prefix=str(folder))
    assert len(ds) == 121
    assert ds[120]['data_samples'].patch_box == (170, 170, 221, 221)
    hr = ds[60]['data_samples'].gt_img
    assert hr.shape == (3, 51, 51)
    assert hr[:, 0, 0].tolist() == [200, 20, 10]
    assert torch.equal(ds[60]['inputs'], hr)
    grey = SRPatchDataset(data_prefix=str(folder), in_channels=1)
    assert grey[0]['inputs'].shape == (1, 51, 51)
    # grey as OpenCV decodes it (luma 0.299 R + 0.587 G + 0.114 B = 72.7,
    # fixed-point in the decoder)
    value = grey[0]['inputs'][0, 0, 0].item()
    assert value == cv2.imread(str(folder / 'red.png'),
                               cv2.IMREAD_GRAYSCALE)[0, 0]
    assert abs(value - (0.299 * 200 + 0.587 * 20 + 0.114 * 10)) < 1


def test_source_dataset_and_max_images(tmp_path):
    """Images of a registered dataset (Fashion-MNIST idx files) instead of
    a folder; grey 28x28 -> HR 32, LR 8, 17x17 windows every 5 pixels
    (0, 5, 10, 15): 16 per image."""
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (5, 28, 28), np.uint8)
    write_idx(tmp_path / 'train-images-idx3-ubyte', imgs)
    write_idx(tmp_path / 'train-labels-idx1-ubyte', np.arange(5))
    cfg = dict(
        type='SRPatchDataset',
        source=dict(
            type='FashionMNIST', data_root=str(tmp_path), split='train'),
        hr_size=32,
        lr_size=8,
        patch=17,
        stride=5,
        in_channels=1,
        max_images=3)
    ds = DATASETS.build(cfg)
    assert ds.num_images == 3 and len(ds) == 48
    item = ds[16 * 2 + 15]  # image 2, last window (15, 15)
    assert item['data_samples'].patch_box == (15, 15, 32, 32)
    assert item['data_samples'].img_path == 'FashionMNIST[2]'
    ref_hr = _ref_bicubic(imgs[2][..., None], 32)
    ref_lr = _ref_bicubic(_ref_bicubic(ref_hr, 8), 32)
    np.testing.assert_array_equal(item['data_samples'].gt_img[0].numpy(),
                                  ref_hr[15:, 15:, 0])
    np.testing.assert_array_equal(item['inputs'][0].numpy(), ref_lr[15:, 15:,
                                                                    0])
    # lazy_init: nothing read until used
    lazy = DATASETS.build(dict(cfg, lazy_init=True))
    assert lazy._hr is None and len(lazy) == 48


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='none.*does not exist'):
        SRPatchDataset(data_root=str(tmp_path), data_prefix='none')
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty' / 'notes.txt').write_text('not an image')
    with pytest.raises(DataError, match='no image file.*empty'):
        SRPatchDataset(data_prefix=str(tmp_path / 'empty'))
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'broken.jpg').write_bytes(b'\x00' * 64)
    with pytest.raises(DataError, match='broken.jpg could not be decoded'):
        SRPatchDataset(data_prefix=str(tmp_path / 'bad'))
    with pytest.raises(ConfigError, match='hr_size 40 < patch 51'):
        SRPatchDataset(data_prefix=str(tmp_path), hr_size=40)
    with pytest.raises(ConfigError, match='in_channels'):
        SRPatchDataset(data_prefix=str(tmp_path), in_channels=2)
    with pytest.raises(ConfigError, match='not both'):
        SRPatchDataset(data_prefix='x', source=dict(type='FashionMNIST'))
