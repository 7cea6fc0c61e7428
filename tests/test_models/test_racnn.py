"""RACNN (Cai et al.): SR layers, identity when the SR output is zero, the
paper's per-layer lr/decay multipliers, Table II freezing, p-RACNN."""
import copy
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


def test_sr_layers_shapes_and_gaussian_init():
    model = MODELS.build(dict(type='RACNN',
                              backbone=dict(type='ResNet', depth=18)))
    model.init_weights()
    sr = model.sr
    # Sec. 2.1: 9x9x64, 5x5x32, 5x5x3, zero padded
    assert [tuple(c.weight.shape) for c in (sr.sconv1, sr.sconv2, sr.sconv3)
            ] == [(64, 3, 9, 9), (32, 64, 5, 5), (3, 32, 5, 5)]
    assert [c.padding for c in (sr.sconv1, sr.sconv2, sr.sconv3)
            ] == [(4, 4), (2, 2), (2, 2)]
    # 3*81*64+64 + 64*25*32+32 + 32*25*3+3 parameters
    assert sum(p.numel() for p in sr.parameters()) == 15616 + 51232 + 2403
    w = torch.cat([c.weight.flatten() for c in (sr.sconv1, sr.sconv2)])
    assert abs(w.std().item() - 0.001) < 0.00005 and abs(w.mean()) < 5e-5
    assert all(c.bias.abs().max() == 0
               for c in (sr.sconv1, sr.sconv2, sr.sconv3))
    x = torch.randn(2, 3, 37, 45)
    assert sr(x).shape == x.shape


def test_zero_sr_output_equals_backbone():
    torch.manual_seed(0)
    bb_cfg = dict(type='ResNet', depth=18, out_indices=(3, ))
    racnn = MODELS.build(dict(type='RACNN', backbone=copy.deepcopy(bb_cfg)))
    racnn.init_weights()
    plain = MODELS.build(bb_cfg)
    plain.load_state_dict(racnn.backbone.state_dict())
    racnn.eval(), plain.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.nn.init.zeros_(racnn.sr.sconv3.weight)
        torch.nn.init.zeros_(racnn.sr.sconv3.bias)
        torch.testing.assert_close(racnn(x)[0], plain(x)[0], rtol=0, atol=0)
        racnn.sr.sconv3.bias.fill_(0.5)  # a residual changes the output
        assert not torch.allclose(racnn(x)[0], plain(x)[0])


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
            out[named[id(p)]] = (g['lr'] / base_lr, g['weight_decay'] / base_wd)
    return model, wrapper, out


@pytest.mark.parametrize('name,last_fc', [
    ('racnn_vgg16_cub-lr50', 'backbone.backbone.classifier.6'),
    ('racnn_alexnet_flowers102-lr25', 'backbone.backbone.classifier.6'),
    ('racnn_googlenet_stanford-cars-lr100', 'head.fc'),
])
def test_paper_lr_and_decay_multipliers(name, last_fc):
    """Sec. 2.3: sconv1/2 lr 1 decay 0.1; sconv3 lr 0.1 decay 0.1; all
    categorisation layers lr 0.1 decay 0 except the last fc (1 and 1)."""
    _, _, groups = _groups(osp.join(CFG, name + '.py'))
    for pname, mults in groups.items():
        if pname.startswith(('backbone.sr.sconv1', 'backbone.sr.sconv2')):
            want = (1.0, 0.1)
        elif pname.startswith('backbone.sr.sconv3'):
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
    assert groups['backbone.backbone.features.0.weight'] == (0, 0)
    assert groups['backbone.backbone.classifier.6.weight'] == (1, 1)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = torch.randn(2, 3, 224, 224)
    loss = model(x, mode='tensor').logsumexp(1).mean() + sum(
        p.sum() * 0 for p in model.parameters())
    wrapper.update_params(loss)
    for n, p in model.named_parameters():
        changed = not torch.equal(before[n], p)
        frozen = n.startswith('backbone.backbone') and 'classifier.6' not in n
        assert changed != frozen, n


def test_pretrain_sr_lowers_mse_and_loads_into_racnn(tmp_path):
    import shutil

    import skimage
    img_dir = tmp_path / 'imgs'
    img_dir.mkdir()
    data_dir = osp.join(osp.dirname(skimage.__file__), 'data')
    for f in ('astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'):
        shutil.copy(osp.join(data_dir, f), img_dir / f)
    out = tmp_path / 'sr.pth'
    proc = run_tool([osp.join(REPO, 'tools', 'racnn', 'pretrain_sr.py'),
                     str(img_dir), '--out', str(out), '--hr-size', '113',
                     '--lr-size', '25', '--epochs', '4'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    ckpt = torch.load(out, weights_only=True)  # a plain, safe file
    meta = ckpt['meta']
    # (113 - 51) // 17 + 1 = 4 patches per side, 16 per image
    assert meta['num_patches'] == 4 * 16
    assert meta['start_mse'] == pytest.approx(meta['bicubic_mse'], rel=1e-3)
    assert meta['final_mse'] < 0.995 * meta['bicubic_mse']
    assert all(b <= a + 1e-6 for a, b in zip(meta['history'],
                                             meta['history'][1:]))
    # p-RACNN config: exactly the SR keys, loaded unchanged
    cfg = Config.fromfile(osp.join(CFG, 'racnn_vgg16_cub-lr50-psr.py'))
    cfg.model.backbone.sr_init_cfg.checkpoint = str(out)
    cfg.model.backbone.backbone_init_cfg = None
    model = MODELS.build(cfg.model)
    assert set(ckpt['state_dict']) == set(model.backbone.sr.state_dict())
    model.init_weights()
    for k, v in ckpt['state_dict'].items():
        torch.testing.assert_close(model.backbone.sr.state_dict()[k], v)


def test_pretrain_sr_bad_folder(tmp_path):
    proc = run_tool([osp.join(REPO, 'tools', 'racnn', 'pretrain_sr.py'),
                     str(tmp_path / 'none'), '--out', str(tmp_path / 'x')])
    assert proc.returncode == 1 and 'does not exist' in proc.stderr
    (tmp_path / 'empty').mkdir()
    proc = run_tool([osp.join(REPO, 'tools', 'racnn', 'pretrain_sr.py'),
                     str(tmp_path / 'empty'), '--out', str(tmp_path / 'x')])
    assert proc.returncode == 1 and 'no image' in proc.stderr


def test_torchvision_checkpoint_converts_and_loads(tmp_path):
    """A torchvision-layout AlexNet/GoogLeNet state dict, converted, loads
    into the mmfg configs' backbones with no missing key."""
    import torchvision
    from mmfg.registry import MODELS
    tv_alex = torchvision.models.alexnet(weights=None)
    tv_goog = torchvision.models.googlenet(weights=None, aux_logits=True,
                                           init_weights=True)
    conv = osp.join(REPO, 'tools', 'model_converters', 'torchvision2mmfg.py')
    for name, tv, drop in (('alexnet', tv_alex, []),
                           ('googlenet', tv_goog, ['fc.', 'aux1.', 'aux2.'])):
        torch.save(tv.state_dict(), tmp_path / f'{name}_tv.pth')
        proc = run_tool([conv, str(tmp_path / f'{name}_tv.pth'),
                         str(tmp_path / f'{name}.pth'), '--drop', *drop])
        assert proc.returncode == 0, proc.stderr[-2000:]
        cfg = Config.fromfile(osp.join(CFG, f'racnn_{name}_cub-lr50.py'))
        cfg.model.backbone.backbone_init_cfg.checkpoint = str(
            tmp_path / f'{name}.pth')
        model = MODELS.build(cfg.model)
        model.init_weights()
        loaded = torch.load(tmp_path / f'{name}.pth')['state_dict']
        mine = model.backbone.backbone.state_dict()
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
