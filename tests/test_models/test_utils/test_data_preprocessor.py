"""FGDataPreprocessor: part crops get exactly the image's preprocessing, once
per batch, and come out as batch tensors."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmfg.models.utils import FGDataPreprocessor, check_parts
from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def _batch(n=2, k=3, with_parts=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = [
        torch.randint(0, 256, (3, 16, 20), generator=g, dtype=torch.uint8)
        for _ in range(n)
    ]
    samples = []
    for i in range(n):
        s = DataSample().set_gt_label(i)
        if with_parts:
            s.set_field(
                torch.randint(
                    0, 256, (k, 3, 8, 8), generator=g, dtype=torch.uint8),
                'part_imgs')
            s.set_field(torch.tensor([True] * (k - 1) + [False]), 'part_valid')
        samples.append(s)
    return dict(inputs=imgs, data_samples=samples)


def test_registered_and_crops_normalised_by_hand():
    register_all_modules()
    pre = MODELS.build(
        dict(
            type='FGDataPreprocessor',
            mean=MEAN,
            std=STD,
            to_rgb=True,
            num_classes=5))
    assert isinstance(pre, FGDataPreprocessor)
    data = _batch()
    raw = [s.part_imgs.clone() for s in data['data_samples']]
    raw_imgs = [x.clone() for x in data['inputs']]
    out = pre(data, training=True)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    assert out['parts'].shape == (2, 3, 3, 8, 8)
    assert out['parts'].dtype == torch.float32
    for i, crops in enumerate(raw):
        # one sample by hand: BGR -> RGB, float, (x - mean) / std
        want = (crops.flip(1).float() - mean) / std
        torch.testing.assert_close(out['parts'][i], want, rtol=0, atol=0)
    # the image got the very same treatment (mmpretrain's own code path)
    want = (raw_imgs[0].flip(0).float() - mean[0]) / std[0]
    torch.testing.assert_close(out['inputs'][0], want)
    assert out['part_valid'].dtype == torch.bool
    assert out['part_valid'].tolist() == [[True, True, False]] * 2
    # the crops left the data samples of the output (no second copy); the
    # caller's samples are untouched
    for s_out, s_in, crops in zip(out['data_samples'], data['data_samples'],
                                  raw):
        assert 'part_imgs' not in s_out and 'part_valid' not in s_out
        assert s_out.gt_label.tolist() == s_in.gt_label.tolist()
        assert torch.equal(s_in.part_imgs, crops)


def test_crop_equal_to_image_gets_equal_values_grey():
    pre = FGDataPreprocessor(mean=[72.94], std=[90.02])
    img = torch.randint(0, 256, (1, 8, 8), dtype=torch.uint8)
    s = DataSample().set_gt_label(0)
    s.set_field(img[None].clone(), 'part_imgs')
    out = pre(dict(inputs=[img], data_samples=[s]))
    torch.testing.assert_close(out['parts'][0, 0], out['inputs'][0])
    assert out['part_valid'].tolist() == [[True]]  # no part_valid: all valid


def test_without_parts_is_plain_cls_preprocessor():
    from mmpretrain.models import ClsDataPreprocessor
    a = FGDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    b = ClsDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    out_a = a(_batch(with_parts=False))
    out_b = b(_batch(with_parts=False))
    torch.testing.assert_close(out_a['inputs'], out_b['inputs'])
    assert set(out_a) == {'inputs', 'data_samples'}  # no crop keywords


def test_batch_augments_with_parts_is_a_clear_error():
    pre = FGDataPreprocessor(
        mean=MEAN,
        std=STD,
        num_classes=5,
        batch_augments=dict(augments=[dict(type='Mixup', alpha=0.8)]))
    with pytest.raises(ConfigError, match='Mixup/CutMix'):
        pre(_batch(), training=True)
    pre(_batch(with_parts=False), training=True)  # images alone are fine


def test_bad_crops_are_clear_errors():
    pre = FGDataPreprocessor(mean=MEAN, std=STD)
    data = _batch()
    data['data_samples'][1].part_imgs = data['data_samples'][1].part_imgs[:2]
    data['data_samples'][1].part_valid = data['data_samples'][1].part_valid[:2]
    with pytest.raises(ConfigError, match='one shape'):
        pre(data)
    data = _batch()
    del data['data_samples'][0].part_imgs
    with pytest.raises(ConfigError, match='some have none'):
        pre(data)
    data = _batch()
    data['data_samples'][0].part_imgs = data['data_samples'][0].part_imgs[0]
    with pytest.raises(ConfigError, match=r'\(K, C, h, w\) per sample'):
        pre(data)
    data = _batch()
    data['data_samples'][0].part_valid = torch.tensor([True])
    with pytest.raises(ConfigError, match=r'must be \(3,\)'):
        pre(data)
    grey = FGDataPreprocessor(mean=[1., 2.], std=[1., 1.])
    with pytest.raises(ConfigError, match='mean/std have 2 channels'):
        grey.normalize_parts(torch.zeros(1, 1, 3, 4, 4))


def test_model_side_check_of_the_crop_batch():
    parts = torch.zeros(2, 3, 1, 4, 4)
    out, valid = check_parts(parts, None, 2)
    assert out is parts and valid.dtype == torch.bool and valid.all()
    with pytest.raises(ConfigError, match='PartCrops and PackFGInputs'):
        check_parts(None, None, 2)
    with pytest.raises(ConfigError, match='uint8'):
        check_parts(parts.to(torch.uint8), None, 2)
    with pytest.raises(ConfigError, match=r'\(B, K, C, h, w\)'):
        check_parts(parts[0], None, 2)
    with pytest.raises(ConfigError, match='3 images but 2 sets'):
        check_parts(parts, None, 3)
    with pytest.raises(ConfigError, match='part_valid must be'):
        check_parts(parts, torch.ones(2, 2), 2)
