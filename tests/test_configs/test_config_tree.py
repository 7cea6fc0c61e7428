"""The layout of configs/: shallow inheritance, bases in one place, configs
only (no logs or results), schedules documented by recipe.

Inheritance depth: a config without ``_base_`` has depth 1, otherwise
1 + the deepest of its bases (``mmdet::`` bases are followed into the
installed MMDetection). The ``_base_`` assignment is read with ``ast``, so
these checks need no registry and build nothing."""
import ast
import glob
import os
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmengine.utils import get_installed_path

from ..conftest import REPO

CONFIGS = osp.join(REPO, 'configs')
MAX_DEPTH = 4
ALL_PY = sorted(glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True))


def base_files(path):
    """The files named by the ``_base_`` assignment of a config file."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets):
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else list(bases)
            return [_resolve(path, b) for b in bases]
    return []


def _resolve(path, base):
    if '::' in base:  # another OpenMMLab package's config
        package, rel = base.split('::', 1)
        return osp.join(get_installed_path(package), '.mim', 'configs', rel)
    return osp.normpath(osp.join(osp.dirname(path), base))


def depth(path, _memo={}):
    if path not in _memo:
        assert osp.isfile(path), f'missing base file {path}'
        _memo[path] = 1 + max((depth(b) for b in base_files(path)), default=0)
    return _memo[path]


def test_depth_helper_counts_levels(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'b.py').write_text("_base_ = './a.py'\n")
    (tmp_path / 'c.py').write_text("_base_ = ['./b.py', './a.py']\n")
    assert [depth(str(tmp_path / n))
            for n in ('a.py', 'b.py', 'c.py')] == [1, 2, 3]


def test_inheritance_at_most_4_levels():
    assert len(ALL_PY) > 100
    deep = {
        osp.relpath(p, REPO): depth(p)
        for p in ALL_PY if depth(p) > MAX_DEPTH
    }
    assert not deep, (f'configs inherit more than {MAX_DEPTH} levels deep '
                      f'(flatten a base or inherit a shallower one): {deep}')


def test_bases_only_under_configs_base():
    stray = [
        osp.relpath(root, REPO) for root, dirs, _ in os.walk(CONFIGS) if
        osp.basename(root) == '_base_' and root != osp.join(CONFIGS, '_base_')
    ]
    assert not stray, f'method-specific bases belong in configs/_base_/: ' \
                      f'{stray}'


def test_configs_hold_only_configs():
    """configs/ holds configs, READMEs and metafiles; logs, results and
    figures live with their experiment (experiments/<study>/)."""
    allowed = ('.py', 'README.md', 'metafile.yml')
    other = sorted(
        osp.relpath(osp.join(root, name), REPO)
        for root, _, names in os.walk(CONFIGS) for name in names
        if not name.endswith(allowed) and '__pycache__' not in root)
    assert not other, f'{len(other)} files in configs/ are not configs: ' \
                      f'{other[:10]}'


def test_every_base_is_used():
    used = {b for p in ALL_PY for b in base_files(p)}
    bases = [p for p in ALL_PY if '_base_' in osp.relpath(p, CONFIGS)]
    unused = [osp.relpath(p, REPO) for p in bases if p not in used]
    assert not unused, f'base files no config inherits: {unused}'


SCHEDULES = sorted(glob.glob(osp.join(CONFIGS, '_base_', 'schedules', '*.py')))


@pytest.mark.parametrize(
    'path', SCHEDULES, ids=[osp.basename(p) for p in SCHEDULES])
def test_schedule_names_its_recipe(path):
    """Schedules are named by recipe (configs/_base_/schedules/README.md):
    the file says which recipe and paper, the README lists it, and the
    epoch count in the name is the one it trains."""
    name = osp.basename(path)
    with open(path) as f:
        assert f.readline().startswith('# Recipe: '), name
    with open(osp.join(osp.dirname(path), 'README.md')) as f:
        readme = f.read()
    # {recipe}_{N}e[_{last-fc layout}][-frozen]
    match = re.fullmatch(r'(.+_(\d+)e)(_[a-z0-9]+)?(-frozen)?', name[:-3])
    assert match, f'{name} does not follow the naming scheme'
    assert f'`{name}`' in readme or f'`{match.group(1)}' in readme, \
        f'{name} is not listed in configs/_base_/schedules/README.md'
    assert Config.fromfile(path).train_cfg.max_epochs == int(
        match.group(2)), name


#: dataset bases that repeat the loaders of cls_loaders.py instead of
#: inheriting it (so that their children stay 2 levels deep)
LOADER_COPIES = ('fgvc_bs32_448.py', 'fgvc_bs16_384-randaug.py',
                 'racnn-lowres_224.py', 'cluttered-fashion-mnist_bs128_112.py')
#: the real fine-grained datasets' copies differ in the GPU-sized loader
#: settings only (tests/test_engine/test_sync_bn_and_loaders.py)
GPU_SIZED = ('fgvc_bs32_448.py', 'fgvc_bs16_384-randaug.py',
             'racnn-lowres_224.py')


@pytest.mark.parametrize('name', LOADER_COPIES)
def test_repeated_loaders_match_cls_loaders(name):
    datasets = osp.join(CONFIGS, '_base_', 'datasets')
    ref = Config.fromfile(osp.join(datasets, 'cls_loaders.py'))
    cfg = Config.fromfile(osp.join(datasets, name))
    assert not base_files(osp.join(datasets, name))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, value in ref[loader].items():
            if key == 'num_workers' and name in GPU_SIZED:
                assert cfg[loader][key] == 8, (name, loader, key)
            elif key != 'batch_size':
                assert cfg[loader][key] == value, (name, loader, key)
    assert cfg.val_evaluator == ref.val_evaluator
    assert cfg.test_evaluator == ref.test_evaluator
