"""NMS equals torchvision's; RoIAlign batch crops equal per-image bilinear
crops (the pipeline's PartCrops) on interior pixels; the RoIAlign data
preprocessor feeds the two-stream models the same fields."""
import mmcv
import numpy as np
import pytest
import torch
import torchvision

from mmfg.models.utils import RoIAlignCrops, RoIAlignFGDataPreprocessor
from mmfg.proposals import metrics, nms_boxes


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('iou', [0.3, 0.5, 0.7])
def test_nms_equals_torchvision(seed, iou):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(200, 2, generator=g) * 100
    wh = torch.rand(200, 2, generator=g) * 40 + 1
    boxes = torch.cat([xy, xy + wh], 1)
    scores = torch.rand(200, generator=g)
    keep = torchvision.ops.nms(boxes, scores, iou)
    got = nms_boxes(torch.cat([boxes, scores[:, None]], 1), iou)
    torch.testing.assert_close(got[:, :4], boxes[keep])
    torch.testing.assert_close(got[:, 4], scores[keep])
    np_got = nms_boxes(
        torch.cat([boxes, scores[:, None]], 1).numpy(), iou, max_num=5)
    np.testing.assert_allclose(np_got[:, :4], boxes[keep[:5]].numpy())


def test_box_iou_matches_torchvision():
    a = np.array([[0, 0, 10, 10], [5, 5, 20, 25]], np.float32)
    b = np.array([[0, 0, 10, 10, .3], [8, 2, 12, 30, .1]], np.float32)
    ref = torchvision.ops.box_iou(
        torch.from_numpy(a), torch.from_numpy(b[:, :4])).numpy()
    np.testing.assert_allclose(metrics.box_iou(a, b), ref, rtol=1e-6)


def test_localization_scores_by_hand():
    gts = [np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10]])]
    props = [
        np.array([[0, 0, 10, 9, .9], [50, 50, 60, 60, .5]]),  # top: IoU .9
        np.array([[0, 0, 10, 4, .9], [0, 0, 10, 10, .2]]),  # top: IoU .4
    ]
    out = metrics.localization_scores(props, gts, nums=(1, 2))
    assert out['corloc'] == 0.5 and out['recall@1'] == 0.5
    assert out['recall@2'] == 1.0
    assert np.isclose(out['mean_top_iou'], (0.9 + 0.4) / 2)


def random_image(h, w, c, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((h, w, c)).astype(np.float32) * 255


@pytest.mark.parametrize('box, size', [((10, 7, 50, 39), (16, 16)),
                                       ((3, 20, 19, 60), (28, 12)),
                                       ((0, 0, 64, 64), (32, 32))])
def test_roi_align_equals_bilinear_crop_on_interior(box, size):
    """``mmcv.imresize`` (OpenCV INTER_LINEAR, half-pixel) of the cut-out
    crop, as ``PartCrops`` makes it, vs RoIAlign on the whole image."""
    img = random_image(64, 72, 3)
    x1, y1, x2, y2 = box
    h, w = size
    ref = mmcv.imresize(img[y1:y2, x1:x2], (w, h), interpolation='bilinear')
    crops, valid = RoIAlignCrops(
        (h, w))(torch.from_numpy(img).permute(2, 0, 1)[None],
                torch.tensor([[box]], dtype=torch.float32))
    got = crops[0, 0].permute(1, 2, 0).numpy()
    assert valid.tolist() == [[True]]
    # interior: output cells whose sample point has both bilinear
    # neighbours inside the crop (the border differs: RoIAlign reads the
    # image's true neighbours, the cut-out crop repeats its edge)
    ys = (np.arange(h) + .5) * (y2 - y1) / h - .5
    xs = (np.arange(w) + .5) * (x2 - x1) / w - .5
    iy = (ys >= 0) & (ys <= y2 - y1 - 1)
    ix = (xs >= 0) & (xs <= x2 - x1 - 1)
    inner = iy[:, None] & ix[None]
    assert inner.sum() >= 0.5 * h * w
    np.testing.assert_allclose(got[inner], ref[inner], rtol=1e-4, atol=1e-3)
    if (x1, y1) != (0, 0) and (~inner).any():
        # a box off the image border, upsampled: its border cells differ
        assert not np.allclose(got[~inner], ref[~inner], atol=1e-3)


def test_roi_align_only_matches_with_aligned_and_one_sample():
    img = random_image(40, 40, 1, seed=3)
    t = torch.from_numpy(img).permute(2, 0, 1)[None]
    box = torch.tensor([[[4., 4., 36., 36.]]])
    ref = mmcv.imresize(img[4:36, 4:36], (8, 8))[2:6, 2:6]
    for kwargs in (dict(aligned=False), dict(sampling_ratio=2)):
        crops, _ = RoIAlignCrops(8, **kwargs)(t, box)
        assert not np.allclose(
            crops[0, 0, 0, 2:6, 2:6].numpy(), ref, atol=1e-2)


def test_roi_crops_batch_layout_padding_and_empty_boxes():
    imgs = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).reshape(2, 1, 8, 8)
    boxes = [
        torch.tensor([[0., 0., 8., 8.], [2., 2., 2., 6.]]),
        torch.tensor([[0., 0., 4., 4.]])
    ]
    crops, valid = RoIAlignCrops(8)(imgs, boxes)
    assert crops.shape == (2, 2, 1, 8, 8)
    assert valid.tolist() == [[True, False], [True, False]]
    torch.testing.assert_close(crops[0, 0], imgs[0])  # identity crop
    assert crops[0, 1].abs().sum() == 0 and crops[1, 1].abs().sum() == 0


def test_roi_align_preprocessor_gives_two_stream_fields():
    from mmpretrain.structures import DataSample
    pre = RoIAlignFGDataPreprocessor(
        num_parts=2, crop_size=4, mean=[10.], std=[2.], image_size=(4, 4))
    imgs = [
        torch.randint(0, 255, (1, 8, 8), dtype=torch.uint8) for _ in range(2)
    ]
    samples = []
    for i in range(2):
        s = DataSample().set_gt_label(i)
        # the lower-scored box first: the preprocessor sorts by score
        s.set_field(
            torch.tensor([[0., 0., 4., 4., .1], [0., 0., 8., 8., .9]]),
            'proposals')
        samples.append(s)
    out = pre(dict(inputs=imgs, data_samples=samples), False)
    assert out['inputs'].shape == (2, 1, 4, 4)
    # batch tensors, the two-stream model's keyword arguments
    crops, valid = out['parts'], out['part_valid']
    assert crops.shape == (2, 2, 1, 4, 4) and valid.all()
    assert not any('part_imgs' in s for s in out['data_samples'])
    norm = (imgs[0].float() - 10) / 2
    # part 0 = the 0.9 box = the whole image, 2x down (2x2 means)
    ref = torch.nn.functional.avg_pool2d(norm[None], 2)[0]
    torch.testing.assert_close(crops[0, 0], ref)
    torch.testing.assert_close(crops[0, 1], norm[:, :4, :4])
    with pytest.raises(Exception, match='no "gt_bboxes"'):
        RoIAlignFGDataPreprocessor(
            1, 4,
            box_source='gt_bboxes')(dict(inputs=imgs, data_samples=samples),
                                    False)
    for s in samples:  # pipeline crops too: one source of crops only
        s.set_field(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), 'part_imgs')
    with pytest.raises(Exception, match='remove PartCrops'):
        pre(dict(inputs=imgs, data_samples=samples), False)
