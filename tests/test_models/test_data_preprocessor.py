"""FGDataPreprocessor: part crops get exactly the image's preprocessing."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmfg.models.utils import FGDataPreprocessor, stack_part_inputs
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
    for sample, crops in zip(out['data_samples'], raw):
        # BGR -> RGB, float, (x - mean) / std, computed independently
        want = (crops.flip(1).float() - mean) / std
        assert sample.part_imgs.dtype == torch.float32
        torch.testing.assert_close(sample.part_imgs, want)
    # the image got the very same treatment (mmpretrain's own code path)
    want = (raw_imgs[0].flip(0).float() - mean[0]) / std[0]
    torch.testing.assert_close(out['inputs'][0], want)
    parts, valid = stack_part_inputs(out['data_samples'])
    assert parts.shape == (2, 3, 3, 8, 8)
    assert valid.tolist() == [[True, True, False]] * 2


def test_crop_equal_to_image_gets_equal_values_grey():
    pre = FGDataPreprocessor(mean=[72.94], std=[90.02])
    img = torch.randint(0, 256, (1, 8, 8), dtype=torch.uint8)
    s = DataSample().set_gt_label(0)
    s.set_field(img[None].clone(), 'part_imgs')
    out = pre(dict(inputs=[img], data_samples=[s]))
    torch.testing.assert_close(out['data_samples'][0].part_imgs[0],
                               out['inputs'][0])


def test_without_parts_is_plain_cls_preprocessor():
    from mmpretrain.models import ClsDataPreprocessor
    a = FGDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    b = ClsDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    out_a = a(_batch(with_parts=False))
    out_b = b(_batch(with_parts=False))
    torch.testing.assert_close(out_a['inputs'], out_b['inputs'])


def test_batch_augments_with_parts_is_a_clear_error():
    pre = FGDataPreprocessor(
        mean=MEAN,
        std=STD,
        num_classes=5,
        batch_augments=dict(augments=[dict(type='Mixup', alpha=0.8)]))
    with pytest.raises(ConfigError, match='Mixup/CutMix'):
        pre(_batch(), training=True)
    pre(_batch(with_parts=False), training=True)  # images alone are fine


def test_stack_errors():
    with pytest.raises(ConfigError, match='PartCrops'):
        stack_part_inputs([DataSample()])
    raw = _batch()['data_samples']
    with pytest.raises(ConfigError, match='uint8'):
        stack_part_inputs(raw)
    pre = FGDataPreprocessor(mean=MEAN, std=STD)
    data = _batch()
    data['data_samples'][1].part_imgs = data['data_samples'][1].part_imgs[:2]
    out = pre(data)
    with pytest.raises(ConfigError, match='one shape'):
        stack_part_inputs(out['data_samples'])
