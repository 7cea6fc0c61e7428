"""The FVE configs whose part crops come from a proposal file (CS-parts)
train one step and predict, on the dataset fixtures with a generated
proposal file in the project's format (the generic config test has no
proposal files)."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from mmfg.registry import DATASETS, MODELS
from mmfg.testing.fgvc_fixtures import make_fixture, make_proposal_file
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CS_CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'fve', '*cs*parts*.py')))
#: InceptionV3 at 299 px on 2 images x (1 + 4) crops: seconds each on CPU
FAST = ('cluttered', 'cub')


def _batch(ds_cfg, root, tmp_path, name):
    ds_cfg = copy.deepcopy(ds_cfg)
    ds_cfg.data_root = root
    plain = copy.deepcopy(ds_cfg)
    plain.pop('proposal_file')
    plain.pipeline = []
    proposal_file = str(tmp_path / f'{name}.json')
    make_proposal_file(proposal_file, DATASETS.build(plain))
    ds_cfg.proposal_file = proposal_file
    dataset = DATASETS.build(ds_cfg)
    # images 1 and 2 of the fixture have 1 and 2 boxes: missing parts
    return pseudo_collate([dataset[i] for i in (1, 2)])


@pytest.mark.parametrize(
    'path', [
        p if any(f in osp.basename(p)
                 for f in FAST) else pytest.param(p, marks=pytest.mark.slow)
        for p in CS_CONFIGS
    ],
    ids=[osp.basename(p) for p in CS_CONFIGS])
def test_cs_parts_config_trains_one_step(path, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.dataset.proposal_file
    assert cfg.val_dataloader.dataset.proposal_file
    ds_type = cfg.train_dataloader.dataset.type
    if ds_type == 'ClutteredFashionMNIST':
        root = make_mnist(tmp_path / 'data')['data_root']
    else:
        root = make_fixture(ds_type, tmp_path / 'data')['data_root']
    train = _batch(cfg.train_dataloader.dataset, root, tmp_path, 'train')
    val = _batch(cfg.val_dataloader.dataset, root, tmp_path, 'test')
    assert not train['data_samples'][0].part_valid.all()
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    model.train()
    losses = model.train_step(train, optim)
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        preds = model.val_step(val)
    n = cfg.data_preprocessor.num_classes
    assert len(preds) == 2 and preds[0].pred_score.shape == (n, )
