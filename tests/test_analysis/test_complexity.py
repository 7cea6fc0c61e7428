"""mmfg.analysis.complexity: LeNet-5's hand count, channels from the
config, and a part model's global + part streams."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmfg.analysis.complexity import config_complexity, part_spec
from mmfg.utils import register_all_modules
from ..conftest import BASELINE_CFG, REPO

CONFIGS = osp.join(REPO, 'configs')
FVE = osp.join(CONFIGS, 'fve',
               'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py')
GLOBAL_56 = osp.join(CONFIGS, 'focus_longer',
                     'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py')


def setup_module():
    register_all_modules()


def test_lenet5_is_the_hand_count():
    info = config_complexity(Config.fromfile(BASELINE_CFG), shape=(32, 32))
    # convolutions and linear layers, multiply-adds (pooling, tanh: 0)
    hand = (6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 120 * 400 + 120 * 84 +
            84 * 10)
    assert info['flops'] == hand
    assert info['input_shape'] == (1, 32, 32)  # grey: the config's mean
    assert info['parts_shape'] is None and info['local_flops'] is None
    assert info['params'] == 61706


def test_part_model_adds_its_crops():
    """FVE on Cluttered Fashion-MNIST: a 56x56 global stream (the same as
    the global-only config) + 4 part crops of 28x28."""
    cfg = Config.fromfile(FVE)
    assert part_spec(cfg) == (4, (28, 28))
    info = config_complexity(cfg, shape=(56, 56))
    glob = config_complexity(Config.fromfile(GLOBAL_56), shape=(56, 56))
    assert info['parts_shape'] == (4, 1, 28, 28)
    assert info['global_flops'] == glob['flops']
    assert info['flops'] == glob['flops'] + info['local_flops']
    # the part CNN runs once per crop: 4 x its count on one crop
    from mmengine.analysis import FlopAnalyzer

    from mmfg.registry import MODELS
    local = MODELS.build(cfg.model.local_backbone).eval()
    one_crop = FlopAnalyzer(local, (torch.zeros(1, 1, 28, 28), ))
    one_crop.unsupported_ops_warnings(False)
    assert info['by_module']['local_backbone'] == 4 * one_crop.total()
    assert info['flops'] > glob['flops'] + 4 * one_crop.total() * 0.99


@pytest.mark.parametrize('shape', [(32, 32), (64, 48)])
def test_colour_configs_get_three_channels(shape):
    cfg = Config.fromfile(BASELINE_CFG)
    cfg.data_preprocessor.mean = [1., 2., 3.]
    cfg.data_preprocessor.std = [1., 1., 1.]
    cfg.model = dict(
        type='ImageClassifier',
        backbone=dict(type='mmpretrain.ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=512))
    info = config_complexity(cfg, shape=shape)
    assert info['input_shape'] == (3, ) + shape
    assert info['flops'] > 0
