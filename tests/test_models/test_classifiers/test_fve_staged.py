"""FVE reproduction pieces: the auxiliary classifier's input (the pooled
parts concatenated, as the authors' scripts github.com/cvjena/fve_layer, or
averaged), and the staged protocol's stage 2 (both CNNs copies of the
stage-1 global CNN, loaded by ``init_cfg``; ``frozen_modules`` freezes
them), against hand-computed values and plain tensor comparisons."""
import copy
import os.path as osp

import pytest
import torch
from mmengine import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
STAGE2 = {
    arm:
    osp.join(
        REPO, 'configs', 'fve',
        f'{arm}_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-'
        'adam-stage2.py')
    for arm in ('fve', 'gap')
}
STAGE1 = osp.join(REPO, 'configs', 'fve',
                  'noparts_lenetfc_1xb128_cluttered-fashion-mnist-adam.py')


# ------------------------------------------------- auxiliary head input
def _neck(pooling):
    return MODELS.build(
        dict(
            type='FVEPartNeck',
            in_channels=2,
            num_components=1,
            aux_pooling=pooling)).eval()


def _maps():
    """(B=1, K=3, C=2, 1, 2) part maps with hand-checkable means."""
    maps = torch.tensor([[[[1., 3.]], [[2., 2.]]], [[[5., 7.]], [[0., 4.]]],
                         [[[9., 9.]], [[1., 1.]]]])[None]
    return maps, torch.tensor([[True, False, True]])


def test_aux_concat_is_the_default_and_concatenates_with_zeros():
    maps, valid = _maps()
    # part GAPs: (2, 2), (6, 2), (9, 1); the middle part is missing
    _, pooled = MODELS.build(
        dict(type='FVEPartNeck', in_channels=2,
             num_components=1)).eval()((maps, ), valid)
    assert pooled.tolist() == [[2., 2., 0., 0., 9., 1.]]
    _, pooled = _neck('concat')((maps, ), valid)
    assert pooled.tolist() == [[2., 2., 0., 0., 9., 1.]]
    # = the GAP baseline's feature
    (gap, ) = MODELS.build(dict(type='GAPPartNeck'))((maps, ), valid)
    assert torch.equal(pooled, gap)


def test_aux_mean_switch_averages_the_valid_parts():
    maps, valid = _maps()
    _, pooled = _neck('mean')((maps, ), valid)
    assert pooled.tolist() == [[5.5, 1.5]]  # ((2 + 9) / 2, (2 + 1) / 2)
    _, none = _neck('mean')((maps, ), torch.zeros(1, 3, dtype=torch.bool))
    assert none.tolist() == [[0., 0.]]


def test_aux_head_size_mismatch_and_bad_option_are_one_line_errors():
    with pytest.raises(ConfigError, match='aux_pooling must be one of'):
        _neck('max')
    head = MODELS.build(
        dict(type='FVEClsHead', num_classes=3, in_channels=4, aux_channels=2))
    fv, pooled = torch.randn(2, 4), torch.randn(2, 6)
    s = [DataSample().set_gt_label(0), DataSample().set_gt_label(1)]
    with pytest.raises(ConfigError, match='aux_channels=2 .* 6 channels'):
        head.loss((fv, pooled), s)


# ------------------------------------------------- stage 2: copy + freeze
def _stage1_weights(tmp_path):
    """A stage-1 (global LeNetFC) weights file with non-trivial BN
    statistics, as tools/misc/publish_model.py writes it."""
    cfg = Config.fromfile(STAGE1)
    cfg.model.backbone.pop('init_cfg')  # the pre-trained file: not here
    torch.manual_seed(1)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    for name, buf in model.named_buffers():
        if 'running_mean' in name:
            buf.uniform_(-0.1, 0.1)
        elif 'running_var' in name:
            buf.uniform_(0.5, 1.5)
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path, model.state_dict()


def _stage2_model(arm, weights):
    cfg = Config.fromfile(STAGE2[arm])
    for key in ('backbone', 'local_backbone'):
        cfg.model[key].init_cfg.checkpoint = weights
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    return cfg, model


def _batch(n=4):
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(n, 1, 56, 56, generator=g)
    samples = [DataSample().set_gt_label(i % 10) for i in range(n)]
    parts = torch.randn(n, 4, 1, 28, 28, generator=g)
    valid = torch.tensor([[True, i != 1, True, i != 2] for i in range(n)])
    return inputs, samples, parts, valid


@pytest.mark.parametrize('arm', ['fve', 'gap'])
def test_stage2_copies_the_global_cnn_into_both_cnns(arm, tmp_path):
    weights, source = _stage1_weights(tmp_path)
    _, model = _stage2_model(arm, weights)
    glob = model.backbone.state_dict()
    local = model.local_backbone.state_dict()
    assert set(glob) == {
        k[len('backbone.'):]
        for k in source if k.startswith('backbone.')
    }
    for key, value in glob.items():
        assert torch.equal(value, source['backbone.' + key]), key
    # the part CNN: the global CNN without its class convolution
    assert set(local) == {k for k in glob if not k.startswith('class_conv')}
    for key, value in local.items():
        assert torch.equal(value, source['backbone.' + key]), key


@pytest.mark.parametrize('arm', ['fve', 'gap'])
def test_stage2_freezes_both_cnns_for_a_training_step(arm, tmp_path):
    weights, _ = _stage1_weights(tmp_path)
    cfg, model = _stage2_model(arm, weights)
    frozen = {
        name: value.clone()
        for name, value in model.state_dict().items()
        if name.startswith(('backbone.', 'local_backbone.'))
    }
    learning = {
        name: p.detach().clone()
        for name, p in model.named_parameters()
        if name.startswith('local_head.')
    }
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    model.train()
    assert not model.backbone.training and not model.local_backbone.training
    assert model.local_head.training
    inputs, samples, parts, valid = _batch()
    losses = model.loss(inputs, samples, parts=parts, part_valid=valid)
    optim.update_params(sum(v for k, v in losses.items() if 'loss' in k))
    for name, value in model.state_dict().items():
        if name in frozen:  # weights and BN statistics unchanged
            assert torch.equal(value, frozen[name]), name
    for name, p in model.named_parameters():
        assert p.requires_grad == (name not in frozen), name
        if name in learning:
            assert not torch.equal(p, learning[name]), name
    if arm == 'fve':
        assert int(model.local_neck.fve.t) == 1  # the GMM still learns


def test_frozen_modules_bad_names():
    cfg = Config.fromfile(STAGE2['gap']).model
    cfg.backbone.pop('init_cfg')
    cfg.local_backbone.pop('init_cfg')
    for bad, match in (('local_backbones', 'must be among'), ('neck', None)):
        c = copy.deepcopy(cfg)
        c.frozen_modules = (bad, )
        if match is None:  # GlobalAveragePooling: no parameters, allowed
            MODELS.build(c)
            continue
        with pytest.raises(ConfigError, match=match):
            MODELS.build(c)
    c = copy.deepcopy(cfg)
    c.update(backbone=None, neck=None, head=None, frozen_modules=('head', ))
    with pytest.raises(ConfigError, match='does not have'):
        MODELS.build(c)


@pytest.mark.parametrize('name', [
    'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam',
    'gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-rmsprop',
    'noparts_lenetfc_1xb128_cluttered-fashion-mnist-adam'
])
def test_reproduction_arms_start_from_the_pretrained_lenetfc(name, tmp_path):
    """Stage 1 and the optimiser arms fine-tune from the pre-trained LeNetFC
    (configs/focus_longer/pretrain_lenetfc_1xb128_fashion-mnist.py), as the
    paper fine-tunes an ImageNet CNN: every CNN holds its feature layers."""
    pre = Config.fromfile(
        osp.join(REPO, 'configs', 'focus_longer',
                 'pretrain_lenetfc_1xb128_fashion-mnist.py'))
    torch.manual_seed(3)
    source = MODELS.build(copy.deepcopy(pre.model))
    source.init_weights()
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'fve', name + '.py'))
    cnns = [k for k in ('backbone', 'local_backbone') if k in cfg.model]
    for key in cnns:
        assert cfg.model[key].init_cfg.checkpoint == cfg.pretrained
        cfg.model[key].init_cfg.checkpoint = path
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    want = {
        k[len('backbone.'):]: v
        for k, v in source.state_dict().items() if k.startswith('backbone.')
    }
    for key in cnns:
        got = getattr(model, key).state_dict()
        shared = set(got) & set(want)
        assert shared == set(want)  # every pre-trained layer is used
        for k in shared:
            assert torch.equal(got[k], want[k]), (key, k)
