"""CS-parts box refinement (saliency recall x aspect ratio inside each
cluster's box, the authors' public code): hand-made saliency maps whose
refined box is known, a brute-force maximum of the objective, the public
code's L-BFGS-B search (its start where the objective is flat at the
finite-difference step, a moved box on a large area), the modes through
``saliency_to_parts`` / ``CSParts`` / ``pseudo_boxes.py``."""
import importlib.util
import itertools
import os.path as osp

import numpy as np
import pytest

from mmfg.proposals import CSParts
from mmfg.proposals.cs_parts import refine_box, saliency_to_parts
from mmfg.utils import ConfigError
from ..conftest import REPO
from .toy_models import RegionNet


def strip(h=40, w=60):
    """A 10 x 30 cluster (rows 10:20, columns 10:40): weight 1 on its left
    10 x 10 square, 0.1 on the rest. J of the left square: 100 / 120 * 1;
    of the whole strip: 1 * 10 / 30; of a 10 x 11 box: 101 / 120 * 10 / 11;
    of a 9 x 9 one: 81 / 120: the left square is the unique maximum."""
    wts = np.zeros((h, w))
    wts[10:20, 10:40] = 0.1
    wts[10:20, 10:20] = 1.
    return wts, np.array([10., 10., 40., 20.])


def brute_force(area):
    """max over integer boxes of recall * min/max side, plain loops."""
    h, w = area.shape
    total = area.sum()
    best = 0.
    for y0, y1 in itertools.combinations(range(h + 1), 2):
        for x0, x1 in itertools.combinations(range(w + 1), 2):
            bh, bw = y1 - y0, x1 - x0
            j = area[y0:y1, x0:x1].sum() / total * min(bh, bw) / max(bh, bw)
            best = max(best, j)
    return best


def objective(area, box, offset=(0, 0)):
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, x1 = x0 - offset[0], x1 - offset[0]
    y0, y1 = y0 - offset[1], y1 - offset[1]
    bh, bw = y1 - y0, x1 - x0
    return area[y0:y1, x0:x1].sum() / area.sum() * min(bh, bw) / max(bh, bw)


def test_exhaustive_finds_the_known_box():
    wts, box = strip()
    np.testing.assert_array_equal(
        refine_box(wts, box, 'exhaustive'), [10, 10, 20, 20])


def test_exhaustive_is_the_brute_force_maximum():
    rng = np.random.default_rng(0)
    for _ in range(3):
        area = rng.random((7, 9))**4
        wts = np.zeros((20, 20))
        wts[3:10, 5:14] = area
        got = refine_box(wts, np.array([5., 3., 14., 10.]), 'exhaustive')
        assert 5 <= got[0] < got[2] <= 14 and 3 <= got[1] < got[3] <= 10
        assert np.isclose(objective(area, got, (5, 3)), brute_force(area))


def test_lbfgs_returns_its_start_where_the_objective_is_flat():
    # sides 10 and 30 px: a step of 0.01 * side crosses no pixel edge at
    # the start, the finite-difference gradient is 0 and the public code's
    # search stops at the centre half of the search area
    wts, box = strip()
    np.testing.assert_allclose(
        refine_box(wts, box, 'lbfgs'), [17.5, 12.5, 32.5, 17.5])


def test_lbfgs_moves_on_a_large_area():
    # 200 x 260 search area, weight 1 on its left 200 x 200 square, 0.1 on
    # the rest: the maximum is the square (J = 1 / 1.06 vs 1 * 200 / 260)
    wts = np.zeros((300, 300))
    wts[50:250, 20:280] = 0.1
    wts[50:250, 20:220] = 1.
    got = refine_box(wts, np.array([20., 50., 280., 250.]), 'lbfgs')
    np.testing.assert_allclose(got, [20, 50, 220, 250], atol=3)


def test_saliency_to_parts_box_modes():
    # one cluster: a 6 x 24 strip, its left 6 x 6 square stronger
    sal = np.zeros((40, 40))
    sal[10:16, 8:32] = 0.8
    sal[10:16, 8:14] = 1.

    def parts(**kw):
        return saliency_to_parts(
            sal,
            np.zeros((40, 40)),
            num_parts=1,
            sigma=0.01,
            min_size=0.,
            **kw)[0]

    np.testing.assert_array_equal(parts(box_mode='tight')[:4], [8, 10, 32, 16])
    np.testing.assert_array_equal(
        parts(refine_solver='exhaustive')[:4], [8, 10, 14, 16])
    # default: refine with the public search (flat here: the centre half)
    np.testing.assert_allclose(parts()[:4], [14, 11.5, 26, 14.5])
    # the score (the cluster's share of the salient mass) does not change
    assert parts()[4] == parts(box_mode='tight')[4] == 1


def test_refined_boxes_keep_the_minimum_side():
    sal = np.zeros((40, 40))
    sal[10:16, 8:32] = 1.
    for solver in ('lbfgs', 'exhaustive'):
        b = saliency_to_parts(
            sal,
            np.zeros((40, 40)),
            num_parts=2,
            sigma=0.01,
            min_size=0.3,
            refine_solver=solver)
        assert ((b[:, 2] - b[:, 0]) >= 12 - 1e-4).all()
        assert ((b[:, 3] - b[:, 1]) >= 12 - 1e-4).all()
        assert (b[:, :2] >= 0).all() and (b[:, 2:4] <= 40).all()


def test_bad_mode_is_one_line():
    with pytest.raises(ConfigError, match="box_mode='loose'"):
        CSParts(RegionNet(8, [(0, 0, 8, 8)]), box_mode='loose')
    with pytest.raises(ConfigError, match='refine_solver'):
        saliency_to_parts(
            np.ones((8, 8)), np.zeros((8, 8)), refine_solver='adam')


def test_pseudo_boxes_passes_the_box_mode():
    spec = importlib.util.spec_from_file_location(
        'pseudo_boxes', osp.join(REPO, 'tools', 'proposals',
                                 'pseudo_boxes.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    build, parse_args = tool.build, tool.parse_args
    model = RegionNet(8, [(0, 0, 8, 8)])
    args = parse_args(['c', 'k', '--method', 'cs-parts', '--out', 'x'])
    gen = build(args, model)
    assert (gen.box_mode, gen.refine_solver) == ('refine', 'lbfgs')
    args = parse_args([
        'c', 'k', '--method', 'cs-parts', '--out', 'x', '--box-mode', 'tight',
        '--refine-solver', 'exhaustive'
    ])
    gen = build(args, model)
    assert (gen.box_mode, gen.refine_solver) == ('tight', 'exhaustive')


def test_load_svm_refuses_a_pickle_and_a_wrong_file(tmp_path):
    """A saved SVM is numbers only: an .npz holding a pickled object array
    (which np.load would run with allow_pickle=True) or a file that is not
    an .npz stops with one ConfigError naming the command that writes one;
    nothing is unpickled."""
    gen = CSParts(RegionNet(8, [(0, 0, 8, 8)]))
    pickled = tmp_path / 'pickled.npz'
    np.savez(
        pickled,
        coef=np.array([{
            'a': 1
        }], dtype=object),
        intercept=np.zeros(1),
        classes=np.arange(2))
    with pytest.raises(ConfigError, match='--save-svm'):
        gen.load_svm(str(pickled))
    text = tmp_path / 'svm.npz'
    text.write_text('not an npz')
    with pytest.raises(ConfigError, match='is not an .npz'):
        gen.load_svm(str(text))
    shapes = tmp_path / 'shapes.npz'
    np.savez(
        shapes, coef=np.zeros(3), intercept=np.zeros(3), classes=np.arange(2))
    with pytest.raises(ConfigError, match='do not make a linear SVM'):
        gen.load_svm(str(shapes))
