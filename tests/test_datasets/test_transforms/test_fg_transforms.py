"""mmfg transforms against independent references: a hand-written bicubic
resampler (Keys' kernel, MATLAB-style anti-aliasing), PIL, and coloured dots
that must stay under their coordinates through every geometric transform."""
import numpy as np
import pytest
from mmcv import transforms as mmcv_transforms
from PIL import Image
from skimage import data

from mmfg.datasets.transforms import (CenterCrop, CropToBBox, LowResolution,
                                      PackFGInputs, PartCrops, RandomCrop,
                                      RandomFlip, RandomResizedCrop, Resize,
                                      ResizeEdge)
from mmfg.registry import TRANSFORMS
from mmfg.utils import ConfigError


# ---------------------------------------------------------------- bicubic
def keys_kernel(x, a=-0.5):
    x = np.abs(x)
    return np.where(
        x <= 1, (a + 2) * x**3 - (a + 3) * x**2 + 1,
        np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.))


def resample_matrix(n_in, n_out):
    """(n_out, n_in) weights: Keys cubic, stretched by the scale when
    shrinking, truncated at the borders and renormalised."""
    scale = n_in / n_out
    stretch = max(scale, 1.)
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        j = np.arange(
            int(np.floor(centre - 2 * stretch)) - 1,
            int(np.ceil(centre + 2 * stretch)) + 2)
        j = j[(j >= 0) & (j < n_in)]
        w = keys_kernel((j + 0.5 - centre) / stretch)
        m[i, j] = w / w.sum()
    return m


def reference_resize(img, w, h):
    out = np.stack([
        resample_matrix(img.shape[0], h) @ img[..., c].astype(float)
        @ resample_matrix(img.shape[1], w).T for c in range(img.shape[2])
    ], -1)
    return np.clip(np.round(out), 0, 255)


@pytest.mark.parametrize('size', [25, 50, 100])
def test_low_resolution_matches_reference_bicubic(size):
    img = data.astronaut()[::2, ::2]  # 256 x 256 x 3, real photo
    out = LowResolution(size=size, out_size=224)(dict(img=img.copy()))
    low_ref = reference_resize(img, size, size)
    ref = reference_resize(low_ref.astype(np.uint8), 224, 224)
    assert out['img'].shape == (224, 224, 3) and out['img'].dtype == np.uint8
    assert out['img_shape'] == (224, 224)
    assert out['low_res_shape'] == (size, size)
    assert np.abs(out['img'].astype(float) - ref).max() <= 1
    # PIL's bicubic (8-bit between its two passes) agrees on average
    pil = Image.fromarray(img).resize((size, size), Image.BICUBIC)
    pil = np.asarray(pil.resize((224, 224), Image.BICUBIC), float)
    assert np.abs(out['img'] - pil).mean() < 0.6
    # and the information really is gone: far from the original
    hr = np.asarray(Image.fromarray(img).resize((224, 224), Image.BICUBIC))
    assert np.abs(out['img'].astype(float) - hr).mean() > 3


def test_low_resolution_keeps_size_and_scales_coords():
    img = np.zeros((60, 80, 3), np.uint8)
    res = LowResolution(
        size=(10, 20), out_size=(40, 30))(
            dict(img=img, gt_bboxes=np.array([[8, 6, 40, 30]], np.float32)))
    assert res['img'].shape == (30, 40, 3) and res['low_res_shape'] == (20, 10)
    np.testing.assert_allclose(res['gt_bboxes'], [[4, 3, 20, 15]])
    res = LowResolution(size=7)(dict(img=np.zeros((28, 28), np.uint8)))
    assert res['img'].shape == (28, 28)
    with pytest.raises(ValueError, match='size must be'):
        LowResolution(size=0)


# ---------------------------------------------------------------- coordinates
RED, GREEN = 2, 1  # BGR channels


def dot_image(h=150, w=200):
    """Black image, a 6x6 red dot, a 6x6 green dot and a blue box;
    returns results whose coordinates name them."""
    img = np.zeros((h, w, 3), np.uint8)
    img[40:46, 130:136, RED] = 255  # centre (133, 43)
    img[100:106, 30:36, GREEN] = 255  # centre (33, 103)
    img[60:120, 70:150, 0] = 255  # blue box x 70..150, y 60..120
    parts = np.array([[[133, 43, 1], [33, 103, 1], [5, 5, 0]]], np.float32)
    return dict(
        img=img,
        img_shape=(h, w),
        ori_shape=(h, w),
        gt_keypoints=parts,
        gt_bboxes=np.array([[70, 60, 150, 120]], np.float32),
        proposals=np.array([[130, 40, 136, 46, 0.9]], np.float32))


def centroid(img, channel):
    mask = img[..., channel].astype(float)
    mask[mask < 64] = 0
    if mask.sum() == 0:
        return None
    ys, xs = np.mgrid[:mask.shape[0], :mask.shape[1]]
    return np.array([((xs + 0.5) * mask).sum() / mask.sum(),
                     ((ys + 0.5) * mask).sum() / mask.sum()])


def extent(img, channel):
    ys, xs = np.nonzero(img[..., channel] >= 128)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])


def check_attached(res, tol=1.5, proposals=True):
    """The dots under their keypoints, the blue box under ``gt_bboxes`` and
    (``proposals=True``) the proposal around the red dot."""
    img = res['img']
    assert tuple(res['img_shape'][:2]) == img.shape[:2]
    parts = res['gt_keypoints'][0]
    assert res['gt_keypoints'].shape == (1, 3, 3)
    for i, channel in enumerate((RED, GREEN)):
        part = parts[i]
        c = centroid(img, channel)
        if part[2] > 0:
            assert c is not None, f'part {i} visible but its dot is gone'
            np.testing.assert_allclose(c, part[:2], atol=tol)
        else:
            assert c is None or not (0 <= c[0] < img.shape[1]
                                     and 0 <= c[1] < img.shape[0])
    box = res['gt_bboxes'][0]
    assert res['gt_bboxes'].shape == (1, 4)
    if box[2] > box[0]:
        np.testing.assert_allclose(extent(img, 0), box, atol=tol)
    # the proposal (around the red dot) follows it too
    if proposals and parts[0, 2] > 0:
        box = res['proposals'][0]
        np.testing.assert_allclose([(box[0] + box[2]) / 2,
                                    (box[1] + box[3]) / 2],
                                   parts[0, :2],
                                   atol=tol)
    assert parts[2, 2] == 0  # invisible stays invisible


@pytest.mark.parametrize('transform', [
    Resize(scale=(300, 120)),
    Resize(scale=(100, 100), keep_ratio=True),
    ResizeEdge(scale=96, edge='short'),
    RandomFlip(prob=1., direction='horizontal'),
    RandomFlip(prob=1., direction='vertical'),
    RandomFlip(prob=1., direction='diagonal'),
    CenterCrop(crop_size=(170, 130)),
    RandomCrop(crop_size=(140, 180)),
    RandomCrop(crop_size=(170, 230), pad_if_needed=True),
    RandomCrop(crop_size=(150, 200), padding=(7, 3, 11, 5)),
    RandomCrop(crop_size=(100, 100), padding=6, pad_if_needed=True),
    RandomResizedCrop(scale=128, crop_ratio_range=(0.6, 1.)),
    CropToBBox(margin=0.1),
    LowResolution(size=100, out_size=(150, 100)),
])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_coordinates_follow_the_pixels(transform, seed):
    np.random.seed(seed)
    res = transform(dot_image())
    check_attached(res, tol=2. if 'Resized' in repr(transform) else 1.5)


@pytest.mark.parametrize('transform', [
    mmcv_transforms.Resize(scale=(300, 120)),
    mmcv_transforms.Resize(scale=(100, 100), keep_ratio=True),
    mmcv_transforms.Resize(scale_factor=0.7),
    mmcv_transforms.RandomResize(
        scale=(200, 150), ratio_range=(0.5, 1.5), keep_ratio=True),
    mmcv_transforms.RandomFlip(prob=1., direction='horizontal'),
    mmcv_transforms.RandomFlip(prob=1., direction='vertical'),
    mmcv_transforms.RandomFlip(prob=1., direction='diagonal'),
    mmcv_transforms.CenterCrop(crop_size=(170, 130)),
    mmcv_transforms.CenterCrop(crop_size=(120, 80)),
    mmcv_transforms.Pad(size=(230, 170)),
])
@pytest.mark.parametrize('seed', [0, 1])
def test_upstream_transforms_keep_the_fields(transform, seed):
    """The fields are MMCV's: MMCV's own transforms keep them right (MMCV
    does not know ``proposals``: mmfg's registrations move those)."""
    np.random.seed(seed)
    res = transform(dot_image())
    check_attached(res, proposals=False)


def test_upstream_names_give_the_mmfg_versions():
    from mmfg.utils import register_all_modules
    register_all_modules()
    for name, cls in [('Resize', Resize), ('ResizeEdge', ResizeEdge),
                      ('RandomFlip', RandomFlip), ('CenterCrop', CenterCrop),
                      ('RandomCrop', RandomCrop),
                      ('RandomResizedCrop', RandomResizedCrop)]:
        assert TRANSFORMS.get(name) is cls
    # mmcv's RandomResize builds 'Resize' through the registry: mmfg's
    t = TRANSFORMS.build(
        dict(type='RandomResize', scale=(100, 80), ratio_range=(0.5, 1.5)))
    assert type(t.resize) is Resize
    check_attached(t(dot_image()))


def test_chain_and_parts_leaving_the_image():
    np.random.seed(0)
    res = dot_image()
    for t in (CropToBBox(), Resize(scale=(160, 120)), RandomFlip(prob=1.),
              mmcv_transforms.CenterCrop(crop_size=100)):
        res = t(res)
        check_attached(res, proposals=False)
    # the red dot (y=43) was above the box (y>=60): cropped away, invisible
    parts = res['gt_keypoints'][0]
    assert parts[0, 2] == 0 and parts[1, 2] == 0
    assert centroid(res['img'], RED) is None
    np.testing.assert_allclose(res['gt_bboxes'], [[0, 0, 100, 100]], atol=1)


def test_crop_to_bbox_exact():
    img = np.arange(60 * 80).reshape(60, 80).astype(np.uint8)
    res = CropToBBox()(
        dict(img=img, gt_bboxes=np.array([[10, 5, 30, 25]], np.float32)))
    np.testing.assert_array_equal(res['img'], img[5:25, 10:30])
    np.testing.assert_allclose(res['gt_bboxes'], [[0, 0, 20, 20]])
    # several objects (Stanford Dogs): the box enclosing them all
    res = CropToBBox()(
        dict(
            img=img,
            gt_bboxes=np.array([[10, 12, 30, 40], [25, 5, 50, 20]],
                               np.float32)))
    np.testing.assert_array_equal(res['img'], img[5:40, 10:50])
    np.testing.assert_allclose(res['gt_bboxes'],
                               [[0, 7, 20, 35], [15, 0, 40, 15]])
    with pytest.raises(ConfigError, match='gt_bboxes is missing.*with_bbox'):
        CropToBBox()(dict(img=img, img_path='a.jpg'))


def test_part_crops_from_points_and_proposals():
    res = PartCrops(num_parts=4, crop_size=32, part_size=0.1)(dot_image())
    assert res['part_imgs'].shape == (4, 32, 32, 3)
    assert res['part_valid'].tolist() == [True, True, False, False]
    # the red dot is in the middle of crop 0, the green dot of crop 1
    np.testing.assert_allclose(
        centroid(res['part_imgs'][0], RED), [16, 16], atol=1.5)
    np.testing.assert_allclose(
        centroid(res['part_imgs'][1], GREEN), [16, 16], atol=1.5)
    assert res['part_imgs'][2:].max() == 0
    grouped = PartCrops(
        num_parts=1, crop_size=16, groups=[[0, 1, 2]], part_size=0.05)(
            dot_image())
    box = grouped['part_boxes'][0]
    half = 0.05 * np.sqrt(150 * 200) / 2
    np.testing.assert_allclose(
        box, [33 - half, 43 - half, 133 + half, 103 + half], atol=1e-3)
    props = dot_image()
    props['proposals'] = np.array(
        [[0, 0, 10, 10, 0.1], [130, 40, 136, 46, 0.9]], np.float32)
    res = PartCrops(num_parts=3, crop_size=8, source='proposals')(props)
    np.testing.assert_allclose(res['part_boxes'][0], [130, 40, 136, 46])
    assert res['part_valid'].tolist() == [True, True, False]
    assert res['part_imgs'][0, ..., RED].min() == 255  # all red
    # the part boxes then follow the image like every other box
    flipped = RandomFlip(prob=1.)(res)
    np.testing.assert_allclose(flipped['part_boxes'][0], [64, 40, 70, 46])


def test_pack_fg_inputs():
    res = PartCrops(num_parts=2, crop_size=8)(dot_image())
    res['gt_label'] = 3
    packed = PackFGInputs()(res)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 150, 200)
    assert sample.part_imgs.shape == (2, 3, 8, 8)
    assert sample.part_valid.dtype.is_floating_point is False
    assert sample.gt_keypoints.shape == (1, 3, 3)
    assert sample.gt_bboxes.shape == (1, 4)
    assert sample.proposals.shape == (1, 5)
    assert int(sample.gt_label) == 3
