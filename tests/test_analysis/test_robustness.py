"""The Top-Down robustness attacks: the reference's set by default, and the
spatial / shift grid attacks on a case with a known answer."""

import torch
import torch.nn as nn

from mmfg.analysis.robustness import (DEFAULT_ATTACKS, GRADIENT_ATTACKS,
                                      TransformGridAttack,
                                      minimal_perturbations, resolve_attacks)


class _ColumnNet(nn.Module):
    """logit 0 = sum of column 3, logit 1 = sum of column 4."""

    def forward(self, x):
        return torch.stack([x[..., 3].sum((1, 2)), x[..., 4].sum((1, 2))], 1)


def test_default_attacks_are_the_references():
    """Noise, blur, pointwise, contrast, salt-and-pepper, spatial, shift; no
    gradient attack (those are an extra)."""
    assert not set(DEFAULT_ATTACKS) & set(GRADIENT_ATTACKS)
    for needed in ('gaussian', 'blur', 'pointwise', 'contrast',
                   'salt-and-pepper', 'spatial', 'shift'):
        assert needed in DEFAULT_ATTACKS
    names = [n for n, _, _ in resolve_attacks(DEFAULT_ATTACKS)]
    assert names == list(DEFAULT_ATTACKS)


def test_shift_attack_known_minimum():
    """Bars of 8 rows; shift grid -3, -1.5, 0, 1.5, 3 px per axis (bilinear,
    zero fill). Image 0: bar at column 3, label 0: only tx = +1.5 fools
    the net (the bar lands half on columns 4 and 5; tx = -1.5 or +-3
    empties both columns, a tie argmax gives to class 0); ty = +-3 pushes 3
    rows out, the smallest change: -1 on 8 pixels, +0.5 on 2 x 5:
    L2 = sqrt(10.5) (ty = -3 is met first). Image 1, the mirror case: bar
    at column 4, label 1, fooled by tx = -1.5 (columns 2 and 3) or -3 (a
    tie); smallest again tx = -1.5, ty = -3."""
    x = torch.zeros(2, 1, 8, 8)
    x[0, 0, :, 3] = 1
    x[1, 0, :, 4] = 1
    y = torch.tensor([0, 1])
    (name, attack, stochastic), = resolve_attacks(['shift'])
    assert name == 'shift' and not stochastic
    d, adv = minimal_perturbations(_ColumnNet(), attack, x, y, epsilons=[1.])
    torch.testing.assert_close(d, torch.tensor([10.5, 10.5]).sqrt())
    expected = torch.zeros(2, 8, 8)
    expected[0, :5, 4:6] = 0.5
    expected[1, :5, 2:4] = 0.5
    torch.testing.assert_close(adv[:, 0], expected)


def test_spatial_attack_includes_rotations_and_options():
    (_, spatial, _), (_, shift,
                      _) = resolve_attacks(['spatial', 'shift'],
                                           ['shift.max_translation=2'])
    assert len(spatial.rotations) == 5 and list(shift.rotations) == [0]
    assert list(shift.translations) == [-2, -1, 0, 1, 2]
    # 90 degrees maps a centred vertical bar to a horizontal one
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 1:7, 3:5] = 1
    r = TransformGridAttack.transform(x, 90, 0, 0)
    torch.testing.assert_close(r[0, 0], x[0, 0].t())
