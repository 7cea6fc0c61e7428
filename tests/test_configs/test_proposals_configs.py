"""The proposals-stage configs train one step on generated fixtures: the
MMDetection RPN on a COCO pseudo-box file, the Focus-Longer configs on a
proposal file of the cluttered canvases (pipeline crops and RoIAlign
crops, which cut the same patch)."""
import copy
import glob
import math
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from mmfg.datasets.proposals import dump_proposal_file
from mmfg.proposals import boxes_to_coco
from mmfg.proposals.coco import dump_coco
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import register_all_modules
from ..conftest import REPO

DET_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/proposals/*.py')))
FL = osp.join(
    REPO, 'configs/focus_longer/focus-longer_lenetfc_1xb128_'
    'cluttered-fashion-mnist-proposals{}.py')


def coco_fixture(root, n=4, size=112):
    rng = np.random.default_rng(0)
    records = []
    for i in range(n):
        name = f'cluttered/x/{i}.png'
        mmcv.imwrite(
            rng.integers(0, 255, (size, size), dtype=np.uint8),
            osp.join(root, 'images', name))
        x, y = rng.integers(0, 50, 2)
        records.append(
            dict(
                file_name=name,
                height=size,
                width=size,
                boxes=[[x, y, x + 40, y + 50, 1.]]))
    coco = boxes_to_coco(records)
    for name in ('train.json', 'test.json'):
        dump_coco(osp.join(root, name), coco)


@pytest.mark.parametrize(
    'path', DET_CONFIGS, ids=[osp.basename(p) for p in DET_CONFIGS])
def test_detector_config_trains_one_step(path, tmp_path):
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)
    coco_fixture(str(tmp_path))
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmdet'
    with DefaultScope.overwrite_default_scope('mmdet'):
        batches = {}
        for loader, ann in (('train_dataloader', 'train.json'),
                            ('val_dataloader', 'test.json')):
            ds_cfg = copy.deepcopy(cfg[loader].dataset)
            ds_cfg.update(data_root=str(tmp_path), ann_file=ann)
            ds = DATASETS.build(ds_cfg)
            batches[loader] = pseudo_collate([ds[i] for i in range(2)])
        torch.manual_seed(0)
        model = MODELS.build(copy.deepcopy(cfg.model))
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        model.train()
        losses = model.train_step(batches['train_dataloader'], optim)
        assert losses and all(
            math.isfinite(float(v.detach())) for v in losses.values())
        model.eval()
        with torch.no_grad():
            out = model.val_step(batches['val_dataloader'])
        assert len(out) == 2 and out[0].pred_instances.bboxes.shape[1] == 4


def fl_batches(cfg, root, loader):
    from mmfg.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg[loader].dataset)
    ds_cfg.pop('indices', None)
    ds_cfg.data_root = root
    probe = DATASETS.build(dict(ds_cfg, proposal_file=None, pipeline=[]))
    props, sizes = {}, {}
    for i in range(len(probe)):
        info = probe.get_data_info(i)
        x1, y1, x2, y2 = info['gt_bboxes'][0]
        key = probe.proposal_key(info)
        # a proposal = the object box shifted, plus a worse one
        props[key] = [[x1 + 1, y1, min(x2 + 3, 112), y2, .9],
                      [0, 0, 112, 112, .1]]
        sizes[key] = (112, 112)
    ds_cfg.proposal_file = osp.join(root, f'{loader}_props.json')
    dump_proposal_file(ds_cfg.proposal_file, props, image_sizes=sizes)
    ds = DATASETS.build(ds_cfg)
    return pseudo_collate([ds[i] for i in range(2)])


def test_focus_longer_proposal_configs_train_and_crop_alike(tmp_path):
    from mmfg.registry import MODELS
    register_all_modules()
    root = make_mnist(str(tmp_path / 'fm'))['data_root']
    crops = {}
    for variant in ('', '-roialign'):
        cfg = Config.fromfile(FL.format(variant))
        assert cfg.default_scope == 'mmfg'
        train = fl_batches(cfg, root, 'train_dataloader')
        val = fl_batches(cfg, root, 'val_dataloader')
        torch.manual_seed(0)
        cfg.model.data_preprocessor = cfg.data_preprocessor
        model = MODELS.build(copy.deepcopy(cfg.model))
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        model.train()
        losses = model.train_step(train, optim)
        assert all(math.isfinite(float(v.detach())) for v in losses.values())
        model.eval()
        with torch.no_grad():
            assert len(model.val_step(val)) == 2
        data = model.data_preprocessor(val, False)
        assert data['inputs'].shape[-2:] == (56, 56)
        crops[variant] = data['parts']
    a, b = crops[''], crops['-roialign']
    assert a.shape == b.shape == (2, 1, 1, 28, 28)
    assert a.std() > 0.1  # real image content, not blank crops
    # the same patch: uint8 rounding of the pipeline crop (1/255 of the
    # range, in normalised units 1/59.17) and the crop border aside
    diff = (a - b)[..., 2:-2, 2:-2].abs()
    assert float(diff.max()) < 0.02 + 1 / 59.17
