"""mmfg.evaluation.localization: precision / recall of CAM masks against
object masks, checked on hand-made masks and boxes."""
import numpy as np
import pytest

from mmfg.evaluation import (box_masks, cam_masks, mask_precision_recall,
                             object_masks, summarise_localization)


def test_precision_recall_on_hand_made_masks():
    cam = np.array(
        [[[1, 1, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]],
         [[1, 1, 1], [1, 1, 1], [1, 1, 1]]],
        dtype=bool)
    obj = np.array(
        [[[1, 0, 0], [1, 1, 0], [0, 0, 0]], [[0, 1, 0], [0, 0, 0], [0, 0, 0]],
         [[0, 0, 0], [0, 1, 0], [0, 0, 0]]],
        dtype=bool)
    s = mask_precision_recall(cam, obj)
    # image 0: CAM 3 px, object 3 px, 2 shared
    assert s['tp'].tolist() == [2, 0, 1]
    assert s['fp'].tolist() == [1, 0, 8]
    assert s['fn'].tolist() == [1, 1, 0]
    assert s['precision'][0] == pytest.approx(2 / 3)
    assert s['recall'][0] == pytest.approx(2 / 3)
    assert np.isnan(s['precision'][1]) and s['recall'][1] == 0
    assert s['precision'][2] == pytest.approx(1 / 9) and s['recall'][2] == 1
    summary = summarise_localization(s)
    assert summary['precision'] == pytest.approx((2 / 3 + 1 / 9) / 2)
    assert summary['recall'] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert summary['micro_precision'] == pytest.approx(3 / 12)
    assert summary['micro_recall'] == pytest.approx(3 / 5)
    assert summary['empty_cam'] == 1 and summary['empty_object'] == 0
    # object mask: pixels above 0.2 x the image maximum
    img = np.array([[[[0.1, 0.5], [0.3, 1.0]]]])  # (1, 1, 2, 2)
    assert object_masks(img, 0.2).tolist() == [[[False, True], [True, True]]]
    # strictly above: 0.25 is not above 0.5 x 0.5
    assert object_masks(img * 0.5, 0.5).tolist() == [[[False, False],
                                                      [False, True]]]
    # colour images: the channel mean is thresholded
    rgb = np.stack([img[:, 0], np.zeros((1, 2, 2)), img[:, 0]], axis=1)
    assert object_masks(rgb, 0.2).tolist() == [[[False, True], [True, True]]]
    with pytest.raises(ValueError, match='mask shapes differ'):
        mask_precision_recall(cam, obj[:, :2])


def test_cam_masks_plain_and_mean_subtracted():
    cams = np.array([[[0.1, 0.3], [0.5, 0.9]]])  # mean 0.45
    assert cam_masks(cams, 0.2).tolist() == [[[False, True], [True, True]]]
    # 0.9 - 0.45 = 0.45 > 0.2; 0.5 - 0.45 = 0.05 is not
    assert cam_masks(
        cams, 0.2, subtract_mean=True).tolist() == [[[False, False],
                                                     [False, True]]]


def test_box_masks_cover_pixel_centres_inside_the_box():
    masks = box_masks([[1, 0, 3, 2], [0.4, 0.4, 0.6, 0.6]], 3, 4)
    assert masks.shape == (2, 3, 4)
    assert masks[0].astype(int).tolist() == [[0, 1, 1, 0], [0, 1, 1, 0],
                                             [0, 0, 0, 0]]
    # the centre (0.5, 0.5) of pixel (0, 0) is inside the small box
    assert masks[1].sum() == 1 and masks[1, 0, 0]
