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
from ...conftest import REPO, run_tool

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
    # Sec. II-A: 9x9x64, 5x5x32, 5x5x3, zero padded
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

SR_INIT_VARIANTS = ('-psr', '-he')


@pytest.mark.parametrize('name', RACNN_CFGS)
def test_baseline_checkpoint_keys_load_into_racnn(name):
    """Every racnn_* config is its baseline_* config plus the SR layers:
    same backbone/neck/head keys and shapes, only sr.* added, so a baseline
    checkpoint loads with ``load_from`` and no key mapping."""
    stem = name[len('racnn_'):-len('.py')]
    # SR-initialisation variants (p-RACNN '-psr', He-initialised '-he')
    # inherit their g-RACNN twin and share its baseline
    variant = next((v for v in SR_INIT_VARIANTS if stem.endswith(v)), '')
    base_name = 'baseline_' + stem[:len(stem) - len(variant)] + '.py'
    cfg = Config.fromfile(osp.join(CFG, name))
    base_cfg = Config.fromfile(osp.join(CFG, base_name))
    if not variant:
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
    """Sec. II-C: sconv1/2 lr 1 decay 0.1; sconv3 lr 0.1 decay 0.1; all
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


@pytest.mark.tools
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


@pytest.mark.tools
def test_converted_googlenet_gives_torchvision_logits(tmp_path):
    """torchvision's ImageNet GoogLeNet expects ``transform_input=True``
    (inputs near [-1, 1]); the mmfg configs feed ImageNet mean/std-normalised
    images. A torchvision GoogLeNet with random weights (and non-trivial BN
    statistics), saved, converted and loaded into the baseline GoogLeNet
    config, must give torchvision's logits on the same image."""
    import torchvision
    torch.manual_seed(0)
    tv = torchvision.models.googlenet(
        weights=None, aux_logits=True, transform_input=True, init_weights=True)
    for m in tv.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            # He init: logits of order 1 (torchvision's init, std 0.01,
            # makes them vanish and any input transform would look equal)
            torch.nn.init.kaiming_normal_(m.weight)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    tv.eval()
    torch.save(tv.state_dict(), tmp_path / 'tv.pth')
    conv = osp.join(REPO, 'tools', 'model_converters', 'torchvision2mmfg.py')
    proc = run_tool([
        conv,
        str(tmp_path / 'tv.pth'),
        str(tmp_path / 'mm.pth'), '--drop', 'aux1.', 'aux2.'
    ])
    assert proc.returncode == 0, proc.stderr[-2000:]
    state = torch.load(tmp_path / 'mm.pth')['state_dict']
    # the ImageNet fc of the file becomes the head's fc (1000 classes)
    state = {
        k.replace('backbone.fc.', 'head.fc.'): v
        for k, v in state.items()
    }
    cfg = Config.fromfile(osp.join(CFG, 'baseline_googlenet_cub-lr50.py'))
    cfg.model.init_cfg = None
    cfg.model.head.num_classes = 1000
    cfg.model.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(cfg.model)
    missing = model.load_state_dict(state, strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    model.eval()
    img = torch.rand(1, 3, 224, 224) * 255  # an 8-bit-range RGB image
    mean = torch.tensor(cfg.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.data_preprocessor.std).view(1, 3, 1, 1)
    x = (img - mean) / std  # what the configs' data preprocessor feeds
    with torch.no_grad():
        ref = tv(x)
        out = model(x, mode='tensor')
    scale = float(ref.std())
    assert scale > 0.1
    torch.testing.assert_close(out / scale, ref / scale, rtol=0, atol=1e-4)


def test_frozen_googlenet_keeps_batchnorm_statistics():
    """Table II protocol on GoogLeNet: lr/decay 0 is not enough with BN, the
    running statistics must not adapt either (norm_eval)."""
    cfg = Config.fromfile(osp.join(CFG, 'racnn_googlenet_cub-lr50-frozen.py'))
    cfg.model.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    bns = [
        m for m in model.backbone.modules()
        if isinstance(m, torch.nn.BatchNorm2d)
    ]
    assert bns and not any(m.training for m in bns)
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    head_before = model.head.fc.weight.detach().clone()
    x = torch.randn(2, 3, 224, 224) * 3 + 1  # statistics unlike ImageNet's
    loss = model(x, mode='tensor').logsumexp(1).mean()
    wrapper.update_params(loss)
    after = model.backbone.state_dict()
    for k, v in before.items():
        assert torch.equal(v, after[k]), k  # weights and BN buffers
    assert not torch.equal(model.head.fc.weight, head_before)  # last fc


FGVC_CONFIGS = sorted(
    osp.splitext(osp.basename(p))[0]
    for p in glob.glob(osp.join(CFG, '*_*_*-lr*.py'))
    if 'fashion-mnist' not in p)


@pytest.mark.parametrize('name', FGVC_CONFIGS)
def test_low_resolution_step_follows_the_crop(name):
    """Sec. III-A: the (box-cropped) image goes to s x s and back up to the
    network's input size, 227 for AlexNet, 224 for VGG and GoogLeNet; no
    resize (un-antialiased) before the low-resolution step."""
    cfg = Config.fromfile(osp.join(CFG, name + '.py'))
    size = int(name.split('-lr')[1].split('-')[0])
    out = 227 if '_alexnet_' in name else 224
    # Flowers-102 and iNat2018 have no boxes: the whole image
    no_boxes = ('_flowers102-', '_inat2018-')
    crop = [] if any(d in name for d in no_boxes) else ['CropToBBox']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = cfg[loader].dataset.pipeline
        types = [t['type'] for t in steps]
        assert types[:2 + len(crop)] == [
            'LoadImageFromFile', *crop, 'LowResolution'
        ], (loader, types)
        low = steps[1 + len(crop)]
        assert low['size'] == size and low['out_size'] == out, (loader, low)


def test_paper_grid_of_frozen_configs_exists():
    """Table II (50x50, three CNNs x three datasets) and Table III (AlexNet,
    Birds, 25/50/100): baseline, g-RACNN and p-RACNN, all frozen."""
    grid = [(a, d, 50) for a in ('alexnet', 'vgg16', 'googlenet')
            for d in ('cub', 'stanford-cars', 'flowers102')]
    grid += [('alexnet', 'cub', 25), ('alexnet', 'cub', 100)]
    for a, d, s in grid:
        for kind in ('baseline', 'racnn'):
            for suffix in ('-frozen', '-frozen-psr'):
                if kind == 'baseline' and suffix == '-frozen-psr':
                    continue
                name = f'{kind}_{a}_{d}-lr{s}{suffix}'
                cfg = Config.fromfile(osp.join(CFG, name + '.py'))
                custom = cfg.optim_wrapper.paramwise_cfg.custom_keys
                assert custom['backbone'] == dict(
                    lr_mult=0.0, decay_mult=0.0), name
                if a == 'googlenet':
                    assert cfg.model.backbone.norm_eval, name
                if suffix == '-frozen-psr':
                    init = cfg.model.sr.init_cfg
                    assert init.type == 'Pretrained', name
                    assert init.checkpoint.endswith(f'_lr{s}.pth'), name
