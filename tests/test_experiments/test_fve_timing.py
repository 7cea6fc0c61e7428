"""experiments.fve.timing (FVE Table 3): the GMM update and the encoding
are timed inside real training iterations of an FVE config."""
import os.path as osp

import pytest
from mmengine.config import Config

from experiments.fve.timing import fve_timing
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(REPO, 'configs', 'fve',
               'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py')


def test_shares_of_a_training_iteration(tmp_path):
    register_all_modules()
    cfg = Config.fromfile(CFG)
    cfg.train_dataloader.dataset.data_root = make_mnist(tmp_path)['data_root']
    cfg.train_dataloader.num_workers = 0
    res = fve_timing(cfg, batch_size=4, iters=3, warmup=1, log=lambda s: 0)
    assert res['batch_size'] == 4 and res['iters'] == 3
    assert res['gmm_update_s'] > 0 and res['encoding_s'] > 0
    assert res['gmm_update_s'] + res['encoding_s'] < res['iteration_s']
    assert 0 < res['gmm_update_pct'] < 100 and 0 < res['encoding_pct'] < 100


def test_config_without_fve_layer_is_refused(tmp_path):
    register_all_modules()
    cfg = Config.fromfile(CFG.replace('fve_lenetfc', 'gap_lenetfc'))
    cfg.train_dataloader.dataset.data_root = make_mnist(tmp_path)['data_root']
    with pytest.raises(ValueError, match='no FVELayer'):
        fve_timing(cfg, batch_size=2, iters=1, warmup=0)
