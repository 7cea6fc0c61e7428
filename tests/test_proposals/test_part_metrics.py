"""Part metrics (recall@K, share and mean number of parts inside the
object) against hand-computed boxes."""
import numpy as np
import pytest

from mmfg.proposals.metrics import (inside_fraction, localization_scores,
                                    part_scores)

GT = [[0, 0, 10, 10]]
# score order A, B, C, D; inside fractions 1, 25/100, 20/40, 100/120;
# IoU with GT 0.25, 25/175, 20/120, 100/120
PARTS = np.array(
    [
        [0, 0, 5, 5, .4],  # A
        [5, 5, 15, 15, .3],  # B
        [8, 0, 12, 10, .2],  # C
        [0, 0, 10, 12, .1],  # D
    ],
    np.float32)


def test_inside_fraction_by_hand():
    np.testing.assert_allclose(
        inside_fraction(PARTS, GT), [1, .25, .5, 100 / 120], rtol=1e-6)
    # the best of several objects; an empty box and no object give 0
    np.testing.assert_allclose(
        inside_fraction([[8, 0, 12, 10], [3, 3, 3, 9]],
                        [[0, 0, 10, 10], [9, 0, 20, 10]]), [.75, 0])
    np.testing.assert_array_equal(
        inside_fraction(PARTS, np.zeros((0, 4))), [0] * 4)


def test_part_scores_by_hand():
    # image 2: one part (fewer than K), outside its object; image 3: no
    # object (skipped)
    parts = [PARTS, np.array([[0, 0, 5, 5, 1.]]), PARTS]
    gts = [GT, [[20, 20, 40, 40]], np.zeros((0, 4))]
    s = part_scores(parts, gts, num_parts=4)
    assert s['recall@4'] == .5  # D covers object 1, nothing object 2
    assert s['parts_inside@4'] == pytest.approx(3 / 5)  # A, C, D of 5
    assert s['mean_parts_inside@4'] == pytest.approx(1.5)  # (3 + 0) / 2
    assert s['mean_inside_fraction@4'] == pytest.approx(
        (1 + .25 + .5 + 100 / 120 + 0) / 5)
    assert s['num_parts@4'] == 5
    # the first 3 parts (by score) leave out D: no object covered
    s3 = part_scores(parts, gts, num_parts=3)
    assert s3['recall@3'] == 0
    assert s3['parts_inside@3'] == pytest.approx(2 / 4)
    assert s3['mean_parts_inside@3'] == pytest.approx(1.)
    # a stricter threshold: only A and D (0.83) inside
    s = part_scores(parts, gts, num_parts=4, inside_thr=.8)
    assert s['mean_parts_inside@4'] == pytest.approx(1.)
    # parts ordered by score, not by position in the array
    s = part_scores([PARTS[::-1]], [GT], num_parts=3)
    assert s['recall@3'] == 0


def test_recall_agrees_with_localization_scores():
    rng = np.random.default_rng(0)
    parts, gts = [], []
    for _ in range(30):
        xy = rng.uniform(0, 40, (4, 2))
        wh = rng.uniform(2, 30, (4, 2))
        parts.append(np.concatenate([xy, xy + wh, rng.random((4, 1))], 1))
        g = rng.uniform(0, 30, 2)
        gts.append([[*g, *(g + rng.uniform(5, 30, 2))]])
    a = part_scores(parts, gts, num_parts=4)['recall@4']
    b = localization_scores(parts, gts, nums=(4, ))['recall@4']
    assert a == b and 0 < a < 1


def test_length_mismatch():
    with pytest.raises(ValueError, match='2 part lists for 1 images'):
        part_scores([PARTS, PARTS], [GT])
