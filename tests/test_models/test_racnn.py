"""RACNN (Cai et al.): SR layers, the plain classifier plus an SR residual
(baseline checkpoints load with no key mapping), the paper's per-layer
lr/decay multipliers, Table II freezing, converted torchvision weights."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmfg.registry import MODELS
from mmfg.utils import register_all_modules
from ..conftest import REPO, run_tool

CFG = osp.join(REPO, 'configs', 'racnn')


@pytest.fixture(autouse=True, scope='module')
def _register():
    register_all_modules()


def _classifier(type_='ImageClassifier', **extra):
    return dict(
        type=type_,
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=7, in_channels=512),
        **extra)


def test_sr_layers_shapes_and_gaussian_init():
    model = MODELS.build(_classifier('RACNN'))
    model.init_weights()
    sr = model.sr
    # Sec. 2.1: 9x9x64, 5x5x32, 5x5x3, zero padded
    assert [tuple(c.weight.shape)
            for c in (sr.sconv1, sr.sconv2, sr.sconv3)] == [(64, 3, 9, 9),
                                                            (32, 64, 5, 5),
                                                            (3, 32, 5, 5)]
    assert [c.padding for c in (sr.sconv1, sr.sconv2, sr.sconv3)] == [(4, 4),
                                                                      (2, 2),
                                                                      (2, 2)]
    # 3*81*64+64 + 64*25*32+32 + 32*25*3+3 parameters
    assert sum(p.numel() for p in sr.parameters()) == 15616 + 51232 + 2403
    w = torch.cat([c.weight.flatten() for c in (sr.sconv1, sr.sconv2)])
    assert abs(w.std().item() - 0.001) < 0.00005 and abs(w.mean()) < 5e-5
    assert all(c.bias.abs().max() == 0
               for c in (sr.sconv1, sr.sconv2, sr.sconv3))
    x = torch.randn(2, 3, 37, 45)
    assert sr(x).shape == x.shape
    with pytest.raises(ValueError, match='odd'):
        MODELS.build(dict(type='SRLayers', kernels=(9, 4, 5)))


def test_racnn_is_the_plain_classifier_plus_sr():
    """A plain classifier's state dict loads into RACNN with only the sr.*
    keys missing; with a zero SR residual both give the same logits, and a
    non-zero residual changes them."""
    torch.manual_seed(0)
    plain = MODELS.build(_classifier())
    plain.init_weights()
    racnn = MODELS.build(_classifier('RACNN'))
    racnn.init_weights()
    res = racnn.load_state_dict(plain.state_dict(), strict=False)
    assert not res.unexpected_keys
    assert set(res.missing_keys) == set('sr.' + k
                                        for k in racnn.sr.state_dict())
    racnn.eval(), plain.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.nn.init.zeros_(racnn.sr.sconv3.weight)
        torch.nn.init.zeros_(racnn.sr.sconv3.bias)
        torch.testing.assert_close(racnn(x), plain(x), rtol=0, atol=0)
        racnn.sr.sconv3.bias.fill_(0.5)  # a residual changes the output
        assert not torch.allclose(racnn(x), plain(x))
        # the residual is added to the input, before the backbone
        torch.testing.assert_close(
            racnn(x), plain(x + 0.5), rtol=1e-5, atol=1e-5)


RACNN_CFGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(CFG, 'racnn_*.py')))


@pytest.mark.parametrize('name', RACNN_CFGS)
def test_baseline_checkpoint_keys_load_into_racnn(name):
    """Every racnn_* config is its baseline_* config plus the SR layers:
    same backbone/neck/head keys and shapes, only sr.* added, so a baseline
    checkpoint loads with ``load_from`` and no key mapping."""
    base_name = 'baseline_' + name[len('racnn_'):].replace('-psr', '')
    cfg = Config.fromfile(osp.join(CFG, name))
    base_cfg = Config.fromfile(osp.join(CFG, base_name))
    if not name.endswith('-psr.py'):  # p-RACNN inherits its g-RACNN twin
        with open(osp.join(CFG, name)) as f:
            assert f"_base_ = './{base_name}'" in f.read()
    with torch.device('meta'):
        racnn = MODELS.build(cfg.model)
        plain = MODELS.build(base_cfg.model)
    assert type(racnn).__name__ == 'RACNN'
    mine = {k: v.shape for k, v in racnn.state_dict().items()}
    theirs = {k: v.shape for k, v in plain.state_dict().items()}
    extra = set(mine) - set(theirs)
    assert extra and all(k.startswith('sr.') for k in extra), extra
    assert not set(theirs) - set(mine)
    assert all(mine[k] == theirs[k] for k in theirs)
    # same data, schedule and init apart from the model type and sr
    for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert cfg[key] == base_cfg[key], key
    assert cfg.model.init_cfg == base_cfg.model.init_cfg


def _groups(cfg_path):
    cfg = Config.fromfile(cfg_path)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    base_wd = cfg.optim_wrapper.optimizer.weight_decay
    named = {id(p): n for n, p in model.named_parameters()}
    out = {}
    for g in wrapper.optimizer.param_groups:
        for p in g['params']:
            out[named[id(p)]] = (g['lr'] / base_lr,
                                 g['weight_decay'] / base_wd)
    return model, wrapper, out


@pytest.mark.parametrize('name,last_fc', [
    ('racnn_vgg16_cub-lr50', 'backbone.classifier.6'),
    ('racnn_alexnet_flowers102-lr25', 'backbone.classifier.6'),
    ('racnn_googlenet_stanford-cars-lr100', 'head.fc'),
])
def test_paper_lr_and_decay_multipliers(name, last_fc):
    """Sec. 2.3: sconv1/2 lr 1 decay 0.1; sconv3 lr 0.1 decay 0.1; all
    categorisation layers lr 0.1 decay 0 except the last fc (1 and 1)."""
    _, _, groups = _groups(osp.join(CFG, name + '.py'))
    for pname, mults in groups.items():
        if pname.startswith(('sr.sconv1', 'sr.sconv2')):
            want = (1.0, 0.1)
        elif pname.startswith('sr.sconv3'):
            want = (0.1, 0.1)
        elif pname.startswith(last_fc):
            want = (1.0, 1.0)
        else:
            want = (0.1, 0.0)
        assert mults == pytest.approx(want), pname
    assert sum(n.startswith(last_fc) for n in groups) == 2


def test_table2_frozen_variant_keeps_categorisation_layers():
    cfg = osp.join(CFG, 'racnn_alexnet_cub-lr50-frozen.py')
    model, wrapper, groups = _groups(cfg)
    assert groups['backbone.features.0.weight'] == (0, 0)
    assert groups['backbone.classifier.6.weight'] == (1, 1)
    assert groups['sr.sconv1.weight'] == (1, 0.1)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = torch.randn(2, 3, 224, 224)
    loss = model(
        x, mode='tensor').logsumexp(1).mean() + sum(
            p.sum() * 0 for p in model.parameters())
    wrapper.update_params(loss)
    for n, p in model.named_parameters():
        changed = not torch.equal(before[n], p)
        frozen = n.startswith('backbone') and 'classifier.6' not in n
        assert changed != frozen, n


def test_torchvision_checkpoint_converts_and_loads(tmp_path):
    """A torchvision-layout AlexNet/GoogLeNet state dict, converted, loads
    into the mmfg configs' backbones with no missing key."""
    import torchvision

    from mmfg.registry import MODELS
    tv_alex = torchvision.models.alexnet(weights=None)
    tv_goog = torchvision.models.googlenet(
        weights=None, aux_logits=True, init_weights=True)
    conv = osp.join(REPO, 'tools', 'model_converters', 'torchvision2mmfg.py')
    for name, tv, drop in (('alexnet', tv_alex, []),
                           ('googlenet', tv_goog, ['fc.', 'aux1.', 'aux2.'])):
        torch.save(tv.state_dict(), tmp_path / f'{name}_tv.pth')
        proc = run_tool([
            conv,
            str(tmp_path / f'{name}_tv.pth'),
            str(tmp_path / f'{name}.pth'), '--drop', *drop
        ])
        assert proc.returncode == 0, proc.stderr[-2000:]
        cfg = Config.fromfile(osp.join(CFG, f'racnn_{name}_cub-lr50.py'))
        cfg.model.init_cfg.checkpoint = str(tmp_path / f'{name}.pth')
        model = MODELS.build(cfg.model)
        model.init_weights()
        loaded = torch.load(tmp_path / f'{name}.pth')['state_dict']
        mine = model.backbone.state_dict()
        expect = {k[len('backbone.'):]: v for k, v in loaded.items()}
        # every backbone tensor came from the file, except the re-sized
        # last fc of AlexNet (1000 -> 200 classes)
        missing = set(mine) - set(expect)
        assert not missing, missing
        for k, v in expect.items():
            if mine[k].shape == v.shape:
                torch.testing.assert_close(mine[k], v)
            else:
                assert k.startswith('classifier.6'), k
