"""Every config under configs/ builds its model, its optimizer and its
train/val pipelines (on generated fixtures of the dataset's official layout),
and runs one training step and one validation step on a tiny batch.

A new config is picked up automatically: adding one that fails here is
impossible without breaking the test suite. Configs of a grid often share
the same model and optimizer settings and differ in data and class count
only. They are grouped at collection time by architecture (model +
optimizer + data preprocessor, with class counts and data folders left
out); the first config of each group (in path order) runs the
training step, every config builds its own model and runs the validation
step, which checks its class count. Which config trains depends only on the
tree, never on which tests run or in which order (``-k``, ``-x``, xdist).

No test here needs the real Fashion-MNIST: every dataset, MNIST-style idx
files included, is a fixture generated in its official layout."""
import copy
import glob
import json
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.optim import build_optim_wrapper

from mmfg.registry import DATASETS, MODELS
from mmfg.testing.fgvc_fixtures import FIXTURES, make_fixture
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import register_all_modules
from ..conftest import REPO

CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(p, REPO).split(osp.sep)
    # MMDetection configs (default_scope 'mmdet'): tests/test_proposals
    and Config.fromfile(p).get('default_scope') == 'mmfg')


def _is_idx_dataset(dataset_type):
    from mmfg.datasets.mnist import _IdxDataset
    return issubclass(DATASETS.get(dataset_type), _IdxDataset)


def _dump(cfg_dict, drop=('num_classes', 'data_root')):
    """JSON of a config dict with the ``drop`` keys blanked (any depth)."""

    def strip(obj):
        if isinstance(obj, dict):
            return {
                k: (None if k in drop else strip(v))
                for k, v in obj.items()
            }
        if isinstance(obj, (list, tuple)):
            return [strip(v) for v in obj]
        return obj

    return json.dumps(strip(cfg_dict), sort_keys=True, default=str)


def _arch_key(cfg):
    return tuple(
        _dump(cfg.get(k))
        for k in ('model', 'optim_wrapper', 'data_preprocessor'))


def _trainers():
    """The first config (path order) of each architecture group."""
    first = {}
    for path in CONFIGS:
        first.setdefault(_arch_key(Config.fromfile(path)), path)
    return set(first.values())


TRAINERS = _trainers()


def test_configs_found():
    assert len(CONFIGS) > 10
    assert osp.join(REPO, 'configs', 'racnn',
                    'racnn_vgg16_cub-lr50.py') in CONFIGS


@pytest.fixture(scope='module')
def fixture_root(tmp_path_factory):
    register_all_modules()
    cache = {}

    def get(dataset_type):
        if dataset_type not in cache:
            root = tmp_path_factory.mktemp(dataset_type)
            if _is_idx_dataset(dataset_type):
                cache[dataset_type] = make_mnist(root)['data_root']
            elif dataset_type in FIXTURES:
                cache[dataset_type] = make_fixture(dataset_type,
                                                   root)['data_root']
            else:
                pytest.fail(f'no fixture for dataset type {dataset_type}: '
                            'add one to mmfg/testing/')
        return cache[dataset_type]

    return get


def _image_folder(root, prefix, num=2, size=240):
    """A few random photos-like images in ``root/prefix`` (SRPatchDataset)."""
    import cv2
    import numpy as np
    folder = osp.join(root, prefix or '')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(num):
        img = cv2.GaussianBlur(
            rng.integers(0, 256, (size, size, 3), dtype=np.uint8), (7, 7), 2)
        cv2.imwrite(osp.join(folder, f'img{i}.png'), img)
    return root


def tiny_batch(cfg, loader, get_root, n=2, tmp_root=None):
    ds_cfg = copy.deepcopy(cfg[loader].dataset)
    ds_cfg.pop('indices', None)
    if ds_cfg.type == 'SRPatchDataset':
        # LR/HR patch pairs from the images of a dataset or of a folder
        if ds_cfg.get('source'):
            ds_cfg.source.data_root = get_root(ds_cfg.source.type)
        else:
            ds_cfg.data_root = _image_folder(tmp_root,
                                             ds_cfg.get('data_prefix'))
        ds_cfg.max_images = n
    else:
        ds_cfg.data_root = get_root(ds_cfg.type)
    if ds_cfg.get('proposal_file'):
        # a proposal file for the fixture's images (one box each)
        from mmfg.datasets.proposals import dump_proposal_file
        probe = DATASETS.build(dict(ds_cfg, proposal_file=None, pipeline=[]))
        keys = [
            probe.proposal_key(probe.get_data_info(i))
            for i in range(len(probe))
        ]
        ds_cfg.proposal_file = osp.join(tmp_root, f'{loader}_proposals.json')
        dump_proposal_file(ds_cfg.proposal_file,
                           {k: [[1, 1, 9, 9, 1.]]
                            for k in keys})
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) >= n
    step = max(1, len(dataset) // n)
    return pseudo_collate([dataset[i * step] for i in range(n)])


#: Top-Down ResNet18 mirrors end at the input resolution (Lelekas et al.,
#: reference Imagenette layout): at the FGVC configs' 448 px one image costs
#: 205 G (TD), 241 G (TD_uni) and 2.8 T (TD_rev) multiply-adds
#: (configs/topdown/README.md). The one-step check feeds them the reference's
#: Imagenette size instead; the network is fully convolutional, so what is
#: checked (pipeline -> model -> loss/class count) is the same.
COSTLY_INPUT_SIDE = 128


def _shrink_costly_inputs(cfg, batch):
    backbone = cfg.model.get('backbone') or {}
    if not (backbone.get('type') == 'TopDownNet' and backbone.get('arch')
            == 'resnet18' and backbone.get('mode') != 'bu'):
        return
    shrunk = []
    for img in batch['inputs']:
        h, w = img.shape[-2:]
        scale = COSTLY_INPUT_SIDE / max(h, w)
        if scale < 1:
            img = torch.nn.functional.interpolate(
                img[None].float(),
                size=(round(h * scale), round(w * scale)),
                mode='bilinear',
                align_corners=False)[0].round().to(img.dtype)
        shrunk.append(img)
    batch['inputs'] = shrunk


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_trains_one_step(path, fixture_root, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmfg'
    train_batch = tiny_batch(
        cfg, 'train_dataloader', fixture_root, tmp_root=str(tmp_path))
    val_batch = tiny_batch(
        cfg, 'val_dataloader', fixture_root, tmp_root=str(tmp_path))
    _shrink_costly_inputs(cfg, train_batch)
    _shrink_costly_inputs(cfg, val_batch)
    torch.manual_seed(0)
    # weights stay random: no pretrained file is downloaded or loaded here
    model = MODELS.build(copy.deepcopy(cfg.model))
    if path in TRAINERS:
        optim_wrapper = build_optim_wrapper(model,
                                            copy.deepcopy(cfg.optim_wrapper))
        model.train()
        losses = model.train_step(train_batch, optim_wrapper)
        assert losses and all(
            math.isfinite(float(v.detach())) for v in losses.values())
    model.eval()
    with torch.no_grad():
        preds = model.val_step(val_batch)
    assert len(preds) == 2
    if cfg.model.type == 'SRPretrainer':
        # image-to-image: the evaluator of the config scores the outputs
        evaluator = Evaluator(copy.deepcopy(cfg.val_evaluator))
        evaluator.process(preds)
        metrics = evaluator.evaluate(len(preds))
        assert metrics and all(math.isfinite(v) for v in metrics.values())
        return
    num_classes = cfg.data_preprocessor.num_classes
    assert preds[0].pred_score.shape == (num_classes, ), (
        f'the model predicts {preds[0].pred_score.shape[0]} classes but the '
        f'dataset config says {num_classes}')
