"""CAM boxes: a known square of class evidence is recovered, the predicted
class (not the label) is explained, box rules checked by hand."""
import numpy as np
import pytest
import torch

from mmfg.proposals import (CAMBoxes, CentreBoxes, box_iou, centre_boxes,
                            rescale_boxes, saliency_boxes)
from mmfg.visualization.cam import ClassifierCAM
from .toy_models import RegionNet, square_image

pytest.importorskip('pytorch_grad_cam')

LEFT, RIGHT = (4, 20, 28, 44), (36, 12, 60, 36)


def toy():
    # class 0 looks at the left half, class 1 at the right half
    return RegionNet(64, [(0, 0, 32, 64), (32, 0, 64, 64)]).eval()


def test_cam_box_recovers_the_evidence_square():
    model = toy()
    img = square_image(64, [LEFT])
    gen = CAMBoxes(model, target_layer=model.features)
    boxes = gen(img)[0]
    assert gen.last_pred.tolist() == [0]
    assert boxes.shape[1] == 5 and 1 <= len(boxes) <= 5
    iou = box_iou(boxes[:1], [LEFT])[0, 0]
    assert iou > 0.7, (boxes[0], iou)


def test_cam_boxes_explain_the_predicted_class_not_the_label():
    model = toy()
    # both squares bright, the left one brighter: predicted class 0, even if
    # the image's label were 1
    img = square_image(64, [LEFT, RIGHT], values=[1., 0.6])
    gen = CAMBoxes(model, target_layer=model.features)
    top = gen(img)[0][:1]
    assert gen.last_pred.tolist() == [0]
    assert box_iou(top, [LEFT])[0, 0] > 0.7
    assert box_iou(top, [RIGHT])[0, 0] == 0
    # the label's map (target 1) would have pointed at the other square
    label_map = ClassifierCAM(
        model, target_layer=model.features)(
            img, targets=[1])[0].numpy()
    label_box = saliency_boxes(label_map)[:1]
    assert box_iou(label_box, [RIGHT])[0, 0] > 0.7


def test_saliency_boxes_by_hand():
    sal = np.zeros((10, 20))
    sal[1:4, 2:6] = 1.0  # mass 12
    sal[6:9, 10:19] = 0.5  # mass 13.5, below 0.6 * max
    boxes = saliency_boxes(sal, thresholds=(0.6, 0.3), num_boxes=5)
    # threshold 0.6 (tier 1): only the bright square
    np.testing.assert_allclose(
        boxes[0], [2, 1, 6, 4, 1 + 12 / 25.5], rtol=1e-6)
    # threshold 0.3 (tier 0): both components; the square again is
    # suppressed by NMS (IoU 1 with the kept box)
    np.testing.assert_allclose(
        boxes[1], [10, 6, 19, 9, 13.5 / 25.5], rtol=1e-6)
    assert len(boxes) == 2
    # diagonal neighbours are one component (8-connectivity)
    diag = np.zeros((5, 5))
    diag[1, 1] = diag[2, 2] = 1
    np.testing.assert_array_equal(
        saliency_boxes(diag, (0.5, ))[:, :4], [[1, 1, 3, 3]])


def test_saliency_boxes_flat_map_gives_the_whole_image():
    for sal in (np.zeros((7, 9)), np.full((7, 9), 0.3)):
        np.testing.assert_array_equal(saliency_boxes(sal), [[0, 0, 9, 7, 0]])


def test_centre_and_rescale():
    np.testing.assert_allclose(
        centre_boxes(100, 60, (0.5, 1.)),
        [[15, 25, 45, 75, 2], [0, 0, 60, 100, 1]])
    gen = CentreBoxes((0.5, ))
    out = gen(torch.zeros(3, 1, 56, 56))
    assert len(out) == 3 and out[0].tolist() == [[14, 14, 42, 42, 1]]
    # scale_factor (w, h) = input / original; clip to the original size
    np.testing.assert_allclose(
        rescale_boxes(np.array([[10, 5, 30, 56, .7]]), (0.5, 0.25), (200, 50)),
        [[20, 20, 50, 200, .7]])
