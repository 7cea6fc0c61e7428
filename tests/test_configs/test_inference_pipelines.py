"""Every classifier config has a test pipeline the inferencer can run on
new images, and the configs that cut part/patch crops from boxes are the
ones the inferencer asks a patch source for (mmfg.apis.image_pipeline)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmfg.apis.image_pipeline import NOT_CLASSIFIERS, ImagePipeline
from mmfg.utils import register_all_modules
from ..conftest import REPO

CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def is_classifier(cfg):
    kind = str(cfg.model.get('type')).split('.')[-1]
    return kind not in NOT_CLASSIFIERS and cfg.get('default_scope') != 'mmdet'


def expects_patches(cfg):
    """Independent of ImagePipeline: a step or the preprocessor that reads
    boxes."""
    ds = cfg.test_dataloader.dataset
    steps = list(ds.get('pre_pipeline') or []) + list(ds.pipeline)
    kinds = {str(s['type']).split('.')[-1] for s in steps}
    pre = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor') or {}
    return bool(kinds & {'PartCrops', 'CropToBBox'}) or \
        'RoIAlign' in str(pre.get('type'))


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_has_an_inference_pipeline(path):
    register_all_modules()
    cfg = Config.fromfile(path)
    if not is_classifier(cfg):
        pytest.skip('not an image classifier (detector / SR pre-training)')
    pipe = ImagePipeline(cfg)
    assert pipe.needs_patches == expects_patches(cfg)
    name = osp.basename(path)
    if name.startswith(('fve_', 'fve-only_', 'focus-longer_')):
        assert pipe.needs_patches, name
    if name.startswith(('bu_', 'td', 'gasa_', 'global_', 'noparts_')):
        assert not pipe.needs_patches, name
    # in-memory datasets resize new images to their own size
    if cfg.test_dataloader.dataset.type in ('FashionMNIST', 'MNIST',
                                            'ClutteredFashionMNIST'):
        assert pipe.native_size is not None and pipe.file_loader is None
    else:
        assert pipe.native_size is None or pipe.file_loader is None
