"""mmfg.visualization.prediction / FGVisualizer: picture sizes, box pixels
and channel order against hand-computed values, read back with cv2."""
import cv2
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmfg.utils import ConfigError
from mmfg.visualization import (FGVisualizer, display_size, draw_prediction,
                                prediction_lines, save_prediction)
from mmfg.visualization.prediction import BOX_COLORS

GREY = 128
SCORES = np.array([.05, .6, .1, .25])
CLASSES = ['T-shirt', 'Shirt', 'Bag', 'Coat']


def grey(h, w, value=GREY):
    return np.full((h, w), value, np.uint8)


def dark_rows(region):
    """Rows of an RGB region holding text (dark) pixels."""
    return np.nonzero((region.max(axis=2) < 100).any(axis=1))[0]


def test_display_size_hand_computed():
    assert display_size(28, 28) == (448, 448, cv2.INTER_NEAREST)  # 16x
    # a whole factor: 448 / 30 = 14.9 -> 15x, 450 px
    assert display_size(30, 30) == (450, 450, cv2.INTER_NEAREST)
    assert display_size(300, 300) == (448, 448, cv2.INTER_LINEAR)
    assert display_size(500, 600) == (500, 600, cv2.INTER_NEAREST)
    # max_side wins: 2000 -> 1024 is x0.512, 300 * 0.512 = 153.6
    assert display_size(300, 2000) == (154, 1024, cv2.INTER_AREA)
    # 5x would make the long side 2000 > 1024: 2x
    assert display_size(100, 400) == (200, 800, cv2.INTER_NEAREST)
    with pytest.raises(ValueError, match='min_side'):
        display_size(28, 28, min_side=600, max_side=500)


def test_tiny_grey_is_enlarged_pixel_exact():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    out = draw_prediction(img, SCORES, CLASSES)
    assert out.dtype == np.uint8 and out.shape[0] == 448
    assert out.shape[1] > 448 + 200  # the panel beside the image
    expected = np.kron(img, np.ones((16, 16), np.uint8))
    for c in range(3):
        np.testing.assert_array_equal(out[:448, :448, c], expected)
    # 'Prediction' and four top-k lines: text in five 30-px bands
    rows = dark_rows(out[:, 448:])
    bands = set((rows - 12) // 30)
    assert bands == {0, 1, 2, 3, 4}


def test_wide_image_is_reduced_and_panel_below():
    img = np.zeros((300, 2000, 3), np.uint8)
    img[..., 1] = 255  # green
    out = draw_prediction(img, SCORES, CLASSES, topk=2)
    assert out.shape[1] == 1024
    green = np.all(out[:, 10] == (0, 255, 0), axis=1)
    assert np.nonzero(green)[0].tolist() == list(range(154))
    # 'Prediction' + 2 lines: 3 bands of 30 px + 2 x 12 px margins below
    assert out.shape[0] == 154 + 3 * 30 + 24
    assert len(dark_rows(out[154:])) > 0


def test_bgr_input_becomes_rgb():
    blue = np.zeros((28, 28, 3), np.uint8)
    blue[..., 0] = 255  # BGR blue
    out = draw_prediction(blue, SCORES)
    assert tuple(out[200, 200]) == (0, 0, 255)
    # (H, W, 1) grey is read as grey
    out = draw_prediction(grey(28, 28)[..., None], SCORES)
    assert tuple(out[200, 200]) == (GREY, GREY, GREY)


def test_box_lands_on_hand_computed_pixels():
    # box (4, 6, 20, 22) at 16x covers x 64..319, y 96..351; 2-px frame
    # inside that range
    color = BOX_COLORS[0]
    out = draw_prediction(grey(28, 28), SCORES, boxes=[[4, 6, 20, 22]])
    bg = (GREY, ) * 3
    at_x = [tuple(out[250, x]) for x in (63, 64, 65, 66, 317, 318, 319, 320)]
    assert at_x == [bg, color, color, bg, bg, color, color, bg]
    at_y = [tuple(out[y, 250]) for y in (95, 96, 97, 98, 349, 350, 351, 352)]
    assert at_y == [bg, color, color, bg, bg, color, color, bg]
    # inside the box, away from its number tag: untouched
    assert tuple(out[250, 200]) == (GREY, ) * 3


def test_box_on_a_reduced_image():
    # x0.512 in x, 154 / 300 in y: x1 = 1000 -> 512, x2 = 1500 -> 768 (last
    # pixel 767), y1 = 100 -> 51.3 -> 51, y2 = 200 -> 102.7 -> 103 (last 102)
    out = draw_prediction(
        grey(300, 2000), SCORES, boxes=[[1000, 100, 1500, 200, .9]])
    color = BOX_COLORS[0]
    assert tuple(out[80, 511]) == (GREY, ) * 3
    assert tuple(out[80, 512]) == color
    assert tuple(out[80, 767]) == color
    assert tuple(out[80, 768]) == (GREY, ) * 3
    assert tuple(out[51, 700]) == color and tuple(out[50, 700]) == (GREY, ) * 3
    assert tuple(out[102, 700]) == color
    assert tuple(out[103, 700]) == (GREY, ) * 3


def test_invalid_box_is_dashed_and_second_box_has_next_colour():
    out = draw_prediction(
        grey(28, 28),
        SCORES,
        boxes=[[4, 6, 20, 22], [0, 0, 28, 28]],
        box_valid=[True, False])
    left_edge = out[100:440, 0]  # the second box's left edge, x = 0
    is_color = np.all(left_edge == BOX_COLORS[1], axis=1)
    assert is_color.any() and not is_color.all()  # dashes and gaps
    full = out[100:340, 64]  # the first (valid) box: a solid edge
    assert np.all(full == BOX_COLORS[0])


def test_prediction_lines_and_names():
    lines = prediction_lines(SCORES, CLASSES, topk=3)
    assert lines == [(1, '1. Shirt 0.600'), (3, '2. Coat 0.250'),
                     (2, '3. Bag 0.100')]
    lines = prediction_lines(torch.tensor([.2, .8]), topk=5)
    assert lines == [(1, '1. 1 0.800'), (0, '2. 0 0.200')]
    assert prediction_lines([.3, .7], ['Caf\u00e9', 'x'], 1,
                            show_scores=False) == [(1, '1. x')]
    assert prediction_lines([.7, .3], ['Caf\u00e9', 'x'], 1)[0][1] == \
        '1. Cafe 0.700'


def header_colours(gt):
    out = draw_prediction(grey(28, 28), SCORES, CLASSES, gt_label=gt)
    return {tuple(p) for p in out[12:42, 448:].reshape(-1, 3)}


def test_ground_truth_colour():
    assert (0, 140, 0) in header_colours(1)  # right: green
    assert (200, 0, 0) in header_colours(0)  # wrong: red
    # gt outside the top 2: an extra 'GT rank' line
    small = draw_prediction(grey(28, 28), SCORES, CLASSES, topk=2)
    extra = draw_prediction(
        grey(28, 28), SCORES, CLASSES, topk=2, gt_label=torch.tensor([0]))
    assert set((dark_rows(small[:, 448:]) - 12) // 30) == {0, 1, 2}
    reds = np.nonzero(np.all(extra[:, 448:] == (200, 0, 0), axis=2))[0]
    assert set((reds - 12) // 30) == {0, 3}  # 'GT: ...' and 'GT rank 4'


def test_save_prediction(tmp_path):
    path = tmp_path / 'a' / 'b' / 'pic.png'
    drawn = save_prediction(str(path), grey(28, 28), SCORES, classes=CLASSES)
    back = cv2.imread(str(path))
    np.testing.assert_array_equal(back, drawn[..., ::-1])
    with pytest.raises(ConfigError, match='.png'):
        save_prediction(str(tmp_path / 'pic.xyz'), grey(28, 28), SCORES)


def test_visualizer_draws_part_boxes_and_gt(tmp_path):
    vis = FGVisualizer(name='test_prediction_parts')
    sample = DataSample().set_gt_label(1).set_pred_score(
        torch.tensor(SCORES, dtype=torch.float32))
    sample.set_field(torch.tensor([[4., 6., 20., 22.]]), 'part_boxes')
    sample.set_field(torch.tensor([True]), 'part_valid')
    # what VisualizationHook passes: the packed (1, H, W) input as (H, W, 1)
    image = grey(28, 28)[..., None]
    out_file = tmp_path / 'vis.png'
    drawn = vis.visualize_cls(
        image, sample, classes=CLASSES, out_file=str(out_file))
    back = cv2.imread(str(out_file))[..., ::-1]
    np.testing.assert_array_equal(back, drawn)
    assert tuple(back[250, 64]) == BOX_COLORS[0]
    assert (0, 140, 0) in {tuple(p) for p in back[12:42, 448:].reshape(-1, 3)}


def test_visualizer_best_proposals_and_bgr(tmp_path):
    vis = FGVisualizer(name='test_prediction_props', max_proposals=1)
    sample = DataSample().set_pred_score(torch.tensor(SCORES))
    # the second proposal scores higher: it alone is drawn, as box 1
    sample.set_field(
        torch.tensor([[0., 0., 10., 10., .1], [4., 6., 20., 22., .9]]),
        'proposals')
    image = np.zeros((28, 28, 3), np.uint8)
    image[..., 0] = 255  # BGR blue
    drawn = vis.visualize_cls(image, sample, out_file=str(tmp_path / 'p.png'))
    assert tuple(drawn[250, 64]) == BOX_COLORS[0]
    assert tuple(drawn[100, 0]) == (0, 0, 255)  # no frame of the first
    assert tuple(drawn[300, 300]) == (0, 0, 255)
