"""Every config under configs/ builds its model, its optimizer and its
train/val pipelines (on generated fixtures of the dataset's official
layout); ONE config per family runs a training step and a validation step
on a tiny batch.

A new config is picked up automatically: adding one that fails here is
impossible without breaking the test suite. A grid of configs repeats a few
architectures on many datasets and schedules, so the training step runs per
family (:mod:`.config_families`: method, backbone, input protocol,
optimizer type), not per file: the grid can grow without the suite growing
with it. The first config of each family (in path order) trains; every
other config builds its datasets and pipelines, model and optimizer, and
checks that every class count of its model is its dataset's. Which config
trains depends only on the tree, never on which tests run or in which
order (``-k``, ``-x``, xdist).

No test here needs the real Fashion-MNIST: every dataset, MNIST-style idx
files included, is a fixture generated in its official layout."""
import copy
import glob
import json
import math
import os
import os.path as osp
import random

import numpy as np
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
from .config_families import families, family_key


def _load_mmfg_configs():
    """``{path: Config}`` of every config of scope ``mmfg`` (MMDetection
    configs, default_scope 'mmdet': test_proposals_configs.py)."""
    out = {}
    for path in sorted(
            glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                      recursive=True)):
        if '_base_' in osp.relpath(path, REPO).split(osp.sep):
            continue
        cfg = Config.fromfile(path)
        if cfg.get('default_scope') == 'mmfg':
            out[path] = cfg
    return out


LOADED = _load_mmfg_configs()
CONFIGS = sorted(LOADED)
FAMILIES = families(LOADED)
#: the first config (path order) of each family: the one that trains
TRAINERS = [members[0] for members in FAMILIES.values()]


def _rel(path):
    return osp.relpath(path, REPO)


def _is_idx_dataset(dataset_type):
    from mmfg.datasets.mnist import _IdxDataset
    return issubclass(DATASETS.get(dataset_type), _IdxDataset)


def test_configs_found():
    assert len(CONFIGS) > 10
    assert osp.join(REPO, 'configs', 'racnn',
                    'racnn_vgg16_cub-lr50.py') in CONFIGS


def _variant(path, **changes):
    """A copy of a config with dotted keys changed."""
    cfg = copy.deepcopy(LOADED[osp.join(REPO, path)])
    cfg.merge_from_dict(changes)
    return cfg


def test_family_key_ignores_dataset_and_schedule_numbers():
    base = 'configs/topdown/bu_resnet18_cub.py'
    key = family_key(LOADED[osp.join(REPO, base)])
    # another learning rate, class count, data root, split, epoch count
    assert family_key(
        _variant(
            base, **{
                'optim_wrapper.optimizer.lr': 0.5,
                'model.head.num_classes': 7,
                'data_preprocessor.num_classes': 7,
                'train_dataloader.dataset.data_root': 'elsewhere',
                'train_dataloader.dataset.split': 'trainval',
                'train_cfg.max_epochs': 3,
            })) == key
    # another architecture, input size, code path or optimizer type
    for change in ({
            'model.backbone.mode': 'td'
    }, {
            'train_dataloader.dataset.pipeline.1.scale': 256
    }, {
            'model.neck.type': 'GeneralizedMeanPooling'
    }, {
            'optim_wrapper.optimizer.type': 'AdamW'
    }, {
            'model.head.loss.type': 'LabelSmoothLoss'
    }):
        assert family_key(_variant(base, **change)) != key, change


def test_configs_of_one_architecture_on_every_dataset_form_one_family():
    """The grid's rows collapse: one method, backbone and input protocol on
    several datasets is one family (one training step); another pipeline
    (RACNN's crop to the object box where a dataset has boxes, the whole
    image elsewhere) is another family; where the parts come from and how
    many there are is the dataset's."""

    def keys(pattern, datasets):
        return {
            family_key(LOADED[osp.join(REPO, pattern.format(d))])
            for d in datasets
        }

    birds = ('cub', 'nabirds', 'birdsnap')
    photos = ('stanford-dogs', 'stanford-cars', 'fgvc-aircraft', 'flowers102')
    assert len(keys('configs/topdown/bu_resnet18_{}.py',
                    birds[:2] + photos)) == 1
    assert len(keys('configs/fve/fve_inception-v3_{}-cs-parts.py', birds)) == 1
    assert len(
        keys('configs/racnn/racnn_vgg16_{}-lr50.py',
             ('cub', 'stanford-cars'))) == 1
    assert len(
        keys('configs/racnn/racnn_vgg16_{}-lr50.py',
             ('cub', 'flowers102'))) == 2
    # ground-truth parts (15 on CUB) or 4 CS-parts: crops of one size
    assert len(
        keys('configs/fve/fve_inception-v3_{}.py',
             ('cub-gt-parts', 'stanford-dogs-cs-parts'))) == 1


#: at most this many training steps however large the grid gets (the
#: families are the distinct (method, backbone, input protocol, optimizer)
#: of the tree; adding a dataset to a method adds none): 103 families for
#: the 261 mmfg configs of the 5 x 8 grid and the MNIST-style studies, 122
#: with the reproduction studies' protocols (their optimisers differ: FVE
#: RMSProp / Adam eps 0.1, Focus-Longer SGD without Nesterov, batch 32)
MAX_FAMILIES = 140


def test_families_are_not_degenerate():
    members = [p for ps in FAMILIES.values() for p in ps]
    assert sorted(members) == CONFIGS  # every config in exactly one
    assert all(ps for ps in FAMILIES.values())
    # no coarser than the model and backbone types ...
    types = {(cfg.model.type, (cfg.model.get('backbone') or {}).get('type'))
             for cfg in LOADED.values()}
    assert len(FAMILIES) >= len(types)
    # ... and far finer than one per file: the grid shares its steps
    assert len(FAMILIES) <= MAX_FAMILIES, (
        f'{len(FAMILIES)} families for {len(CONFIGS)} configs: the family '
        'key (tests/test_configs/config_families.py) separates configs that '
        'train alike, or the tree has that many architectures (raise '
        'MAX_FAMILIES)')
    assert len(FAMILIES) * 2 <= len(CONFIGS)
    # members of a family agree on every part of the key
    for key, paths in FAMILIES.items():
        for path in paths:
            assert family_key(LOADED[path]) == key, _rel(path)


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


#: loaded datasets, keyed by their config without the pipeline
_LOADED_DATASETS = {}
#: proposal files written for the fixtures, keyed the same way
_PROPOSAL_FILES = {}


def _key(ds_cfg, *drop):
    return json.dumps({
        k: v
        for k, v in ds_cfg.items() if k not in drop
    },
                      sort_keys=True,
                      default=str)


def build_dataset(ds_cfg):
    """``DATASETS.build(ds_cfg)`` with the loading shared by the configs
    whose dataset differs in the pipeline only: the annotation files are
    parsed and the image files checked once per dataset config, the
    pipeline is each config's own, composed by the dataset class itself
    (a ``lazy_init`` build, which checks the arguments and loads
    nothing)."""
    if ds_cfg['type'] == 'SRPatchDataset':
        return DATASETS.build(ds_cfg)
    key = _key(ds_cfg, 'pipeline')
    if key not in _LOADED_DATASETS:
        _LOADED_DATASETS[key] = DATASETS.build(dict(ds_cfg, pipeline=[]))
    dataset = copy.copy(_LOADED_DATASETS[key])
    dataset.pipeline = DATASETS.build(dict(ds_cfg, lazy_init=True)).pipeline
    return dataset


def _proposal_file(ds_cfg, tmp_root):
    """A proposal file for the fixture's images (one box each)."""
    from mmfg.datasets.proposals import dump_proposal_file
    key = _key(ds_cfg, 'pipeline', 'proposal_file')
    if key not in _PROPOSAL_FILES:
        probe = build_dataset(dict(ds_cfg, proposal_file=None, pipeline=[]))
        path = osp.join(tmp_root, f'proposals{len(_PROPOSAL_FILES)}.json')
        dump_proposal_file(
            path, {k: [[1, 1, 9, 9, 1.]]
                   for k in probe.proposal_keys()})
        _PROPOSAL_FILES[key] = path
    return _PROPOSAL_FILES[key]


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
        ds_cfg.proposal_file = _proposal_file(ds_cfg, tmp_root)
    dataset = build_dataset(ds_cfg)
    assert len(dataset) >= n
    step = max(1, len(dataset) // n)
    return pseudo_collate([dataset[i * step] for i in range(n)])


#: Top-Down ResNet18 mirrors end at the input resolution (Lelekas et al.,
#: reference Imagenette layout): at the FGVC configs' 448 px one image costs
#: 205 G (TD), 241 G (TD_uni) and 2.8 T (TD_rev) multiply-adds
#: (configs/topdown/README.md), and TD_rev's training step on two 128 px
#: images still takes half a minute on a CPU core. The one-step check feeds
#: them 64 px images instead (the ResNet's last level is then 2x2); the
#: network is fully convolutional, so what is checked (pipeline -> model ->
#: loss/class count) is the same.
COSTLY_INPUT_SIDE = 64


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


def _class_counts(model):
    """``{module name: num_classes}`` of every part of ``model`` that
    has a positive integer class count (heads, classifiers; a backbone
    without its classifier, such as mmpretrain's VGG, says -1)."""
    return {
        name or type(model).__name__: m.num_classes
        for name, m in model.named_modules() if
        isinstance(getattr(m, 'num_classes', None), int) and m.num_classes > 0
    }


@pytest.mark.parametrize('path', CONFIGS, ids=[_rel(p) for p in CONFIGS])
def test_config_builds(path, fixture_root, tmp_path):
    """Datasets + pipelines (2 training and 2 validation items), model and
    optimizer of the config; every class count of the model is the
    dataset's (the family's training step checks the predictions)."""
    cfg = LOADED[path]
    assert cfg.default_scope == 'mmfg'
    for loader in ('train_dataloader', 'val_dataloader'):
        batch = tiny_batch(cfg, loader, fixture_root, tmp_root=str(tmp_path))
        assert len(batch['inputs']) == 2
    try:
        # parameters without storage or initialisation: every module is
        # built, the shapes are known, nothing is computed
        with torch.device('meta'):
            model = MODELS.build(copy.deepcopy(cfg.model))
    except Exception:  # a module that computes in __init__: on the CPU
        model = MODELS.build(copy.deepcopy(cfg.model))
    build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    if cfg.model.type == 'SRPretrainer':
        return  # image to image: no classes
    num_classes = cfg.data_preprocessor.num_classes
    counts = _class_counts(model)
    assert counts, f'{_rel(path)}: no part of the model has num_classes'
    wrong = {k: v for k, v in counts.items() if v != num_classes}
    assert not wrong, (f'the dataset config says {num_classes} classes, '
                       f'the model {wrong}')


@pytest.mark.parametrize('path', TRAINERS, ids=[_rel(p) for p in TRAINERS])
def test_family_trains_one_step(path, fixture_root, tmp_path):
    """One training and one validation step of the family's first config
    (its other members: ``FAMILIES``)."""
    cfg = LOADED[path]
    train_batch = tiny_batch(
        cfg, 'train_dataloader', fixture_root, tmp_root=str(tmp_path))
    val_batch = tiny_batch(
        cfg, 'val_dataloader', fixture_root, tmp_root=str(tmp_path))
    _shrink_costly_inputs(cfg, train_batch)
    _shrink_costly_inputs(cfg, val_batch)
    torch.manual_seed(0)
    # weights stay random: no pretrained file is downloaded or loaded here
    model = MODELS.build(copy.deepcopy(cfg.model))
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


def _seeded(dataset, i):
    """``dataset[i]`` with the random transforms seeded (flips, crops)"""
    random.seed(i)
    np.random.seed(i)
    torch.manual_seed(i)
    return dataset[i]


@pytest.mark.parametrize('path', [
    'configs/fve/fve_inception-v3_stanford-dogs-cs-parts.py',
    'configs/racnn/racnn_vgg16_cub-lr50.py'
])
def test_shared_loading_gives_what_a_build_gives(path, fixture_root, tmp_path):
    """``build_dataset`` (loading shared, the config's own pipeline) yields
    the items of a plain ``DATASETS.build`` of the same config."""
    cfg = LOADED[osp.join(REPO, path)]
    for loader in ('train_dataloader', 'val_dataloader'):
        ds_cfg = copy.deepcopy(cfg[loader].dataset)
        ds_cfg.data_root = fixture_root(ds_cfg.type)
        if ds_cfg.get('proposal_file'):
            ds_cfg.proposal_file = _proposal_file(ds_cfg, str(tmp_path))
        shared = [build_dataset(ds_cfg) for _ in range(2)]
        plain = DATASETS.build(copy.deepcopy(ds_cfg))
        assert len(shared[0]) == len(plain)
        for i in (0, len(plain) - 1):
            want = _seeded(plain, i)
            for ds in shared:
                got = _seeded(ds, i)
                assert torch.equal(got['inputs'], want['inputs'])
                assert got['data_samples'].gt_label == \
                    want['data_samples'].gt_label
                assert got['data_samples'].img_path == \
                    want['data_samples'].img_path
