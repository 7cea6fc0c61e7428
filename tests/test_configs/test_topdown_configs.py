"""Every configs/topdown config builds and runs at its input size (the
ResNet18 Top-Down mirrors at 64 px: see ``COSTLY_INPUT_SIDE``);
configs of one method differ only in the dataset; metafile.yml matches the
configs."""
import glob
import os.path as osp
import re

import pytest
import torch
import yaml
from mmengine.config import Config

from ..conftest import REPO

TOPDOWN = osp.join(REPO, 'configs', 'topdown')
CONFIGS = sorted(glob.glob(osp.join(TOPDOWN, '*.py')))
NAME = re.compile(r'^(bu|td|td-uni|td-rev)_(lenetfc|nin-light|nin|resnet32|'
                  r'resnet18)_([a-z0-9-]+)\.py$')
# paper Table 1 (thousands of trainable parameters; BU, TD, TD_uni, TD_rev)
TABLE1 = {
    'lenetfc': (8, 14, 23, 58),
    'nin-light': (62, 213, 215, 214),
    'resnet32': (468, 528, 320, 563),
    'nin': (970, 3368, 3397, 3388),
}
MODES = ('bu', 'td', 'td-uni', 'td-rev')
NATIVE = {'MNIST': (1, 28), 'FashionMNIST': (1, 28), 'CIFAR10': (3, 32)}

_features = {}  # (backbone cfg, input size) -> backbone output
#: as test_all_configs.COSTLY_INPUT_SIDE
COSTLY_INPUT_SIDE = 64


def run_size(cfg, size):
    """The side the forward below uses: the config's input side, except
    for the ResNet18 Top-Down mirrors (TD, TD_uni, TD_rev), which end at
    the input resolution and cost 0.2-2.8 T multiply-adds per 448 px image
    (configs/topdown/README.md): they run at ``COSTLY_INPUT_SIDE`` (the
    network is fully convolutional, what is checked, input channels ->
    classifier -> class count, is the same)."""
    backbone = cfg.model.backbone
    if backbone.get('arch') == 'resnet18' and backbone.get('mode') != 'bu':
        return min(size, COSTLY_INPUT_SIDE)
    return size


def input_shape(cfg):
    """(channels, size) the test pipeline feeds the model."""
    ds = cfg.test_dataloader.dataset
    assert ds.type not in ('MNISTIdx', 'FashionMNISTIdx', 'CIFAR10Split'), (
        'configs use the current dataset names')
    channels, size = NATIVE.get(ds.type, (3, None))
    for t in ds.pipeline:
        if t.type == 'CenterCrop':
            size = t.crop_size
        elif t.type == 'Resize':
            size = t.scale[0] if isinstance(t.scale, (tuple, list)) else \
                t.scale
    assert size is not None, f'cannot tell the input size of {ds.type}'
    return channels, size


def test_config_set_is_complete():
    names = [osp.basename(c) for c in CONFIGS]
    for name in names:
        assert NAME.match(name), name
    need = [
        f'{m}_{a}_{d}.py' for m in MODES
        for a, d in [('lenetfc', 'mnist'), (
            'lenetfc', 'fashion-mnist'), (
                'nin-light',
                'mnist'), ('nin-light', 'fashion-mnist'), (
                    'nin',
                    'cifar10'), ('resnet32',
                                 'cifar10'), ('resnet18',
                                              'imagenette'), ('resnet18',
                                                              'cub')]
    ]
    assert not set(need) - set(names)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_runs(path):
    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(path)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg).eval()
    channels, size = input_shape(cfg)
    assert model.backbone.in_channels == channels
    num_classes = cfg.data_preprocessor.num_classes
    # the dataset's class count reaches the classifier
    dataset_classes = {
        'MNIST': 10,
        'FashionMNIST': 10,
        'CIFAR10': 10,
        'Imagenette': 10,
        'CUB': 200,
        'StanfordCars': 196,
        'StanfordDogs': 120,
        'Flowers102': 102,
        'FGVCAircraft': 100,
        'NABirds': 555,
        'Birdsnap': 500,
        'INaturalist2018': 8142
    }[cfg.test_dataloader.dataset.type]
    assert num_classes == dataset_classes
    size = run_size(cfg, size)
    batch = 1 if size > 128 else 2
    x = torch.rand(batch, channels, size, size) * 255
    with torch.no_grad():
        inputs = model.data_preprocessor({'inputs': x})['inputs']
        key = (repr(cfg.model.backbone), size)
        if key not in _features:  # same backbone + size: one forward
            _features[key] = model.backbone(inputs)
        feats = _features[key]
        logits = model.head(feats) if model.neck is None else model.head(
            model.neck(feats))
    assert logits.shape == (batch, num_classes)
    # the model count reproduces Table 1 where the paper has it
    m = NAME.match(osp.basename(path))
    mode, arch = m.group(1), m.group(2)
    if arch in TABLE1 and num_classes == 10:
        n = sum(p.numel() for p in model.parameters() if p.requires_grad)
        assert round(n / 1000) == TABLE1[arch][MODES.index(mode)]


def _load(path):
    return Config.fromfile(path)


def test_configs_of_a_method_differ_only_in_the_dataset():
    groups = {}
    for path in CONFIGS:
        mode, arch, data = NAME.match(osp.basename(path)).groups()
        variant = 'aug' if data.endswith('-aug') else ''
        groups.setdefault((mode, arch, variant), []).append(path)
    for key, paths in groups.items():
        ref = _load(paths[0])
        for path in paths[1:]:
            cfg = _load(path)
            for field in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                          'auto_scale_lr', 'default_hooks', 'randomness'):
                assert cfg[field] == ref[field], (path, field)
            a, b = cfg.model.to_dict(), ref.model.to_dict()
            for m in (a, b):  # the class count may differ, nothing else
                m['backbone'].pop('num_classes', None)
                m['head'].pop('num_classes', None)
            assert a == b, path


def test_metafile_lists_every_config_with_its_parameters():
    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    with open(osp.join(TOPDOWN, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    collections = {c['Name'] for c in meta['Collections']}
    models = {osp.basename(m['Config']): m for m in meta['Models']}
    assert set(models) == {osp.basename(c) for c in CONFIGS}
    for name in ('bu_lenetfc_fashion-mnist.py', 'td-rev_nin_cifar10.py',
                 'td_resnet18_cub.py'):
        entry = models[name]
        assert entry['In Collection'] in collections
        assert entry['Name'] == name[:-3]
        assert osp.isfile(osp.join(REPO, entry['Config']))
        cfg = Config.fromfile(osp.join(REPO, entry['Config']))
        model = MODELS.build(cfg.model)
        n = sum(p.numel() for p in model.parameters() if p.requires_grad)
        assert entry['Metadata']['Parameters'] == n
    # Results only where measured: none of them claims numbers without a log
    for entry in meta['Models']:
        for res in entry.get('Results') or []:
            assert entry.get('Weights') or res.get('Log'), entry['Name']


@pytest.mark.parametrize('name', [
    'bu_resnet18_cub', 'bu_resnet18_stanford-cars',
    'bu_resnet18_stanford-dogs', 'bu_resnet18_flowers102',
    'bu_resnet18_fgvc-aircraft', 'bu_resnet18_nabirds',
    'bu_resnet18_imagenette', 'bu_nin_cifar10', 'bu_nin_cifar10-aug',
    'bu_lenetfc_fashion-mnist'
])
def test_dataset_bases_yield_the_model_input(name, tmp_path):
    """Train and test pipelines of every dataset base, on the miniature
    official layouts of mmfg.testing (Fashion-MNIST: the real data), give
    uint8 images of the size the model test above uses."""
    from mmfg.registry import DATASETS
    from mmfg.testing.fgvc_fixtures import make_fixture
    from mmfg.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(osp.join(TOPDOWN, f'{name}.py'))
    channels, size = input_shape(cfg)
    for loader in ('train_dataloader', 'test_dataloader'):
        ds = cfg[loader].dataset.copy()
        if ds.type != 'FashionMNIST':
            ds.data_root = make_fixture(ds.type,
                                        str(tmp_path / loader))['data_root']
        else:
            ds.data_root = osp.join(REPO, ds.data_root)
            ds.indices = 4
        dataset = DATASETS.build(ds)
        assert dataset.split == ds.split
        item = dataset[0]
        assert item['inputs'].dtype == torch.uint8
        assert tuple(item['inputs'].shape) == (channels, size, size), loader
