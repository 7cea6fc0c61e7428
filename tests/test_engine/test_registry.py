"""Registry scoping: mmfg, mmpretrain and `mmdet.` types from one config."""
import pytest
from mmengine.config import Config

from mmfg.registry import DATASETS, MODELS, RUNNERS, TASK_UTILS
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import register_all_modules


def test_three_scopes_build_from_one_config(tmp_path):
    register_all_modules()
    fashion_mnist_root = make_mnist(tmp_path, images_per_class=3)['data_root']
    cfg = Config(
        dict(
            default_scope='mmfg',
            # mmfg type
            dataset=dict(
                type='FashionMNIST',
                data_root=fashion_mnist_root,
                split='test'),
            # mmpretrain types, no prefix
            model=dict(
                type='ImageClassifier',
                backbone=dict(type='ResNet', depth=18),
                head=dict(type='ClsHead')),
            # mmdet types, with prefix
            neck=dict(
                type='mmdet.ChannelMapper',
                in_channels=[4, 8],
                out_channels=16),
            # an mmdet module that builds mmdet sub-modules itself: switch the
            # scope while it builds
            assigner=dict(
                type='MaxIoUAssigner',
                _scope_='mmdet',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4),
        ))
    dataset = DATASETS.build(cfg.dataset)
    model = MODELS.build(cfg.model)
    neck = MODELS.build(cfg.neck)
    assigner = TASK_UTILS.build(cfg.assigner)
    assert type(dataset).__module__ == 'mmfg.datasets.mnist'
    assert type(model).__module__.startswith('mmpretrain.models')
    assert type(model.backbone).__module__.startswith('mmpretrain.models')
    assert type(neck).__module__.startswith('mmdet.models')
    assert type(assigner).__module__.startswith('mmdet.models')
    assert len(dataset) == 30 and dataset[0]['gt_label'] == 0
    # mmfg's LeNet5 (batch axis kept at batch 1) shadows mmpretrain's in
    # the mmfg scope, as a subclass with the same parameters
    from mmpretrain.models.backbones import LeNet5
    lenet = MODELS.build(dict(type='LeNet5', num_classes=10))
    assert type(lenet).__module__ == 'mmfg.models.backbones.lenet'
    assert isinstance(lenet, LeNet5)


def test_registries_are_children_of_mmpretrain():
    import mmpretrain.registry as mp
    assert MODELS.scope == 'mmfg' and MODELS.parent is mp.MODELS
    assert DATASETS.parent is mp.DATASETS
    assert RUNNERS.get('FGRunner').__module__ == 'mmfg.engine.runner'


def test_unknown_type_names_the_registry():
    register_all_modules()
    with pytest.raises(KeyError, match='NoSuchBackbone.*registry'):
        MODELS.build(dict(type='NoSuchBackbone'))


def test_registry_locations_import_mmfg_modules():
    """Each registry names the mmfg package that fills it, and an mmpretrain
    type still resolves through the parent when only the registry module was
    imported (checked in a fresh interpreter)."""
    import subprocess
    import sys
    code = (
        'from mmfg.registry import MODELS, DATASETS, METRICS, VISUALIZERS\n'
        'from mmengine.registry import DefaultScope\n'
        "DefaultScope.get_instance('t', scope_name='mmfg')\n"
        "assert MODELS.get('RACNN').__module__ == "
        "'mmfg.models.classifiers.racnn'\n"
        "assert MODELS.get('ResNet').__module__.startswith('mmpretrain')\n"
        "assert DATASETS.get('FashionMNIST') is not None\n"
        "from mmfg.registry import HOOKS\n"
        "assert VISUALIZERS.get('UniversalVisualizer') is not None\n"
        "assert HOOKS.get('VisualizationHook') is not None\n"
        "assert METRICS.get('SingleLabelMetric') is not None\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True)
    assert out.returncode == 0 and out.stdout.strip() == 'ok', out.stderr
