"""Every config family trains under ``tools/dist_train.sh`` with 2 processes
(gloo on CPU), and no family has trainable parameters without a gradient.

``test_family_trains_under_ddp`` (slow: minutes in all) runs, for the first
config of each family (:mod:`tests.test_configs.config_families`), the real
launcher path, ``bash tools/dist_train.sh CONFIG 2``, for 2 iterations of 2
images per process on the generated fixture of its dataset, random weights
(:func:`.ddp_families.ddp_config`), and checks that both ranks end with the
same parameters. ``test_family_has_no_unused_parameters`` (slow as well:
one step per family) is the same check in one process: a trainable
parameter without a gradient is what stops DDP at iteration 2; for the
Focus-Longer and FVE families on MNIST-size inputs it runs in the default
lane (``test_fast_family_has_no_unused_parameters``).
"""
import os.path as osp

import pytest
import torch

from ..conftest import REPO, free_port, run_tool
from .ddp_families import ITERS, configs_lane, ddp_config, one_step_unused

LANE = configs_lane()
TRAINERS = LANE.TRAINERS
IDS = [LANE._rel(p) for p in TRAINERS]

fixture_root = LANE.fixture_root  # the configs lane's fixture factory

#: Focus-Longer and FVE families on MNIST-size inputs: one step each takes
#: well under a second, so their check is in the default lane
FAST = [
    p for p in TRAINERS if '/focus_longer/' in p or '/fve/' in p
    if 'lenetfc' in p
]


def _check_unused(path, fixture_root, tmp_path):
    unused = one_step_unused(path, fixture_root, str(tmp_path))
    assert not unused, (
        f'{LANE._rel(path)}: trainable parameters without a gradient after '
        f'one step (DDP stops at iteration 2): {unused}; freeze them '
        '(requires_grad_(False)), do not build them, or set '
        'find_unused_parameters=True in the config')


@pytest.mark.parametrize('path', FAST, ids=[LANE._rel(p) for p in FAST])
def test_fast_family_has_no_unused_parameters(path, fixture_root, tmp_path):
    _check_unused(path, fixture_root, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize('path', TRAINERS, ids=IDS)
def test_family_has_no_unused_parameters(path, fixture_root, tmp_path):
    _check_unused(path, fixture_root, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize('path', TRAINERS, ids=IDS)
def test_family_trains_under_ddp(path, fixture_root, tmp_path):
    cfg = ddp_config(path, fixture_root, str(tmp_path),
                     str(tmp_path / 'ddp_cfg.py'))
    work = tmp_path / 'work'
    proc = run_tool(
        [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'), cfg, '2', '--work-dir',
            str(work)
        ],
        env={
            'PYTHONPATH': f'{REPO}:{tmp_path}',
            'PORT': str(free_port()),
            'OMP_NUM_THREADS': '1'
        },
        timeout=1200)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    ranks = [
        torch.load(work / f'rank{r}_params.pth', map_location='cpu')
        for r in (0, 1)
    ]
    # ITERS (SRPatchDataset: several patches per image, a few more)
    assert ranks[0]['iter'] == ranks[1]['iter'] >= ITERS, log[-2000:]
    p0, p1 = ranks[0]['params'], ranks[1]['params']
    assert p0.keys() == p1.keys()
    for key in p0:  # DDP: every rank applied the same averaged gradients
        torch.testing.assert_close(p0[key], p1[key], rtol=0, atol=0, msg=key)
