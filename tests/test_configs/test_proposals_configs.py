"""The proposals-stage configs on generated fixtures: every MMDetection
RPN config builds its model, optimizer and pipelines on a COCO pseudo-box
file, one per family (:mod:`.config_families`) trains a step; the
Focus-Longer configs train on a proposal file of the cluttered canvases
(pipeline crops and RoIAlign crops, which cut the same patch). The chain of
every fine-grained dataset (tools/proposals/chain.sh) writes the files its
RPN config and its part / patch configs read."""
import copy
import functools
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
from ..conftest import REPO, run_tool
from .config_families import families

DET_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/proposals/*.py')))
DET_LOADED = {p: Config.fromfile(p) for p in DET_CONFIGS}
#: one RPN per family trains a step (the natural-image configs differ in
#: their files only)
DET_TRAINERS = {ps[0] for ps in families(DET_LOADED).values()}
#: the fine-grained datasets of tools/proposals/chain.sh
FGVC = ('cub', 'nabirds', 'birdsnap', 'stanford-dogs', 'stanford-cars',
        'fgvc-aircraft', 'flowers102', 'inat2018')
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
def test_detector_config_builds_and_trains(path, tmp_path):
    """Model, optimizer and both pipelines of every RPN config; a training
    and a test step for the first config of each family."""
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)
    coco_fixture(str(tmp_path))
    cfg = DET_LOADED[path]
    assert cfg.default_scope == 'mmdet'
    assert cfg.model.rpn_head.type == 'RPNHead'
    assert cfg.train_dataloader.dataset.metainfo.classes == ('part', )
    with DefaultScope.overwrite_default_scope('mmdet'):
        batches = {}
        for loader, ann in (('train_dataloader', 'train.json'),
                            ('test_dataloader', 'test.json')):
            ds_cfg = copy.deepcopy(cfg[loader].dataset)
            ds_cfg.update(
                data_root=str(tmp_path),
                ann_file=ann,
                data_prefix=dict(img='images/'))
            ds = DATASETS.build(ds_cfg)
            batches[loader] = pseudo_collate([ds[i] for i in range(2)])
        torch.manual_seed(0)
        # weights stay random: no pretrained file is downloaded or loaded
        model = MODELS.build(copy.deepcopy(cfg.model))
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        if path not in DET_TRAINERS:
            return
        model.train()
        losses = model.train_step(batches['train_dataloader'], optim)
        assert losses and all(
            math.isfinite(float(v.detach())) for v in losses.values())
        model.eval()
        with torch.no_grad():
            out = model.val_step(batches['test_dataloader'])
        assert len(out) == 2 and out[0].pred_instances.bboxes.shape[1] == 4


def natural_detector(dataset):
    """The RPN config of a fine-grained dataset (the last ``_`` field of
    its name starts with the dataset's short name)."""
    found = [
        p for p in DET_CONFIGS
        if osp.basename(p)[:-3].split('_')[-1] in (f'{dataset}-cam', dataset)
    ]
    assert len(found) == 1, (dataset, found)
    return found[0]


def chain_paths(dataset):
    """``bash tools/proposals/chain.sh DATASET paths``: the configs and
    files of the chain, ``{field: [values]}``."""
    proc = run_tool(
        ['bash',
         osp.join(REPO, 'tools/proposals/chain.sh'), dataset, 'paths'])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        field, *values = line.split()
        if field in ('coco', 'proposals'):
            field, values = f'{field} {values[0]}', values[1:]
        out[field] = values
    return out


@functools.lru_cache()
def _all_readers():
    """``{proposal_file: [(config, loader, split, data_root)]}`` of every
    mmfg config reading a file of ``work_dirs/proposals/``."""
    from .test_all_configs import LOADED  # every mmfg config, loaded once
    readers = {}
    for path, cfg in sorted(LOADED.items()):
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            ds = (cfg.get(loader) or {}).get('dataset') or {}
            pf = ds.get('proposal_file')
            if pf and pf.startswith('work_dirs/proposals/'):
                readers.setdefault(pf, []).append(
                    (osp.relpath(path, REPO), loader, ds.get('split'),
                     ds.get('data_root')))
    return readers


def _readers(dataset):
    """The readers of the files of ``work_dirs/proposals/DATASET/``."""
    return {
        pf: users
        for pf, users in _all_readers().items()
        if pf.startswith(f'work_dirs/proposals/{dataset}/')
    }


@pytest.mark.parametrize('dataset', FGVC)
def test_chain_writes_what_the_configs_read(dataset):
    """The RPN config reads the chain's CAM boxes of the train split and the
    images of the classifier's data_root; every part / patch config of the
    dataset reads a proposal file the chain writes, of its own split."""
    paths = chain_paths(dataset)
    det = DET_LOADED[natural_detector(dataset)]
    assert osp.join(REPO, paths['detector'][0]) == natural_detector(dataset)
    assert osp.isfile(osp.join(REPO, paths['classifier'][0]))
    train, test = paths['splits']
    cam_train, cam_eval = paths['coco cam']
    assert det.train_dataloader.dataset.ann_file == cam_train
    assert det.test_dataloader.dataset.ann_file == cam_eval
    assert det.test_evaluator.ann_file == cam_eval
    for loader in ('train_dataloader', 'test_dataloader'):
        assert det[loader].dataset.data_prefix.img == paths['images'][0]
    written = {
        p: split
        for kind in ('cs-parts', 'rpn-cam')
        for p, split in zip(paths[f'proposals {kind}'], (train, test))
    }
    readers = _readers(dataset)
    assert readers, f'no config reads proposals of {dataset}'
    for pf, users in readers.items():
        assert pf in written, (f'{users} read {pf}, which '
                               f'tools/proposals/chain.sh {dataset} does not '
                               f'write (it writes {sorted(written)})')
        for config, loader, split, root in users:
            # a file holds the boxes of one split: the loader's own
            assert split is None or split == written[pf], (config, loader,
                                                           split, pf)
            assert (loader == 'train_dataloader') == (written[pf] == train), (
                config, loader, pf)
            assert root is None or f'{root}/' == paths['images'][0], config


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
