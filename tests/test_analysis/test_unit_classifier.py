"""UnitImageClassifier: a classifier seen as [0, 1] images -> logits, and
the single-input-scale perturbation of Top-Down networks (Lelekas et al.,
Sec. 4.2, Fig. 5)."""
import os.path as osp

import pytest
import torch

from ..conftest import REPO

TD_CFG = osp.join(REPO, 'configs', 'topdown', 'td_lenetfc_fashion-mnist.py')
BU_CFG = osp.join(REPO, 'configs', 'topdown', 'bu_lenetfc_fashion-mnist.py')


def build(path):
    from mmengine.config import Config

    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor)).eval()
    return model, cfg


def test_single_scale_perturbation_reaches_only_that_scale():
    """With scale k, the branch of factor f_k sees the blurred perturbed
    image and every other branch the blurred clean one (checked on the
    tensors entering the TD branches, against GaussianBlurPool applied
    here)."""
    from mmfg.analysis import UnitImageClassifier
    from mmfg.models import GaussianBlurPool

    model, cfg = build(TD_CFG)
    net = UnitImageClassifier(model)
    backbone = model.backbone
    # the module that first sees each scale's image: coarsest level (1/4):
    # its first conv; finer levels: their branch conv
    entry = {
        4: backbone.stages[0].units[0],
        2: backbone.stages[1].branch,
        1: backbone.stages[2].branch
    }
    seen = {}
    handles = [
        mod.register_forward_pre_hook(
            lambda m, args, f=f: seen.__setitem__(f, args[0].clone()))
        for f, mod in entry.items()
    ]
    clean = torch.rand(3, 1, 28, 28)
    adv = (clean + 0.2 * torch.randn_like(clean)).clamp(0, 1)
    pre = cfg.data_preprocessor

    def normalised(x):
        return (x * 255 - pre.mean[0]) / pre.std[0]

    def blurred(x, f):
        return normalised(x) if f == 1 else GaussianBlurPool(f)(normalised(x))

    with torch.no_grad():
        plain = net(adv)
        for k, factor in enumerate([1, 2, 4]):
            net.perturb_one_scale(k, clean)
            out = net(adv)
            for f in (1, 2, 4):
                want = blurred(adv if f == factor else clean, f)
                torch.testing.assert_close(seen[f], want, rtol=0, atol=1e-4)
            assert not torch.allclose(out, plain)
            # an unperturbed input gives the plain network's output
            torch.testing.assert_close(
                net(clean),
                model(
                    model.data_preprocessor({'inputs': clean * 255})['inputs'],
                    mode='tensor'))
            net.perturb_all_scales()
        torch.testing.assert_close(net(adv), plain)
    for h in handles:
        h.remove()


def test_single_scale_mode_leaves_the_backbone_unchanged():
    """No monkey-patching: the backbone keeps its class methods, and the
    forward pre-hook of single-scale mode exists only while it is on."""
    from mmfg.analysis import UnitImageClassifier

    model, _ = build(TD_CFG)
    net = UnitImageClassifier(model)
    backbone = model.backbone
    assert net.scales == [1, 2, 4]
    assert 'input_pyramid' not in vars(backbone)
    assert 'forward' not in vars(backbone)
    clean = torch.rand(2, 1, 28, 28)
    net.perturb_one_scale(0, clean)
    net.perturb_one_scale(1, clean)  # replaces the first routing
    assert len(backbone._forward_pre_hooks) == 1
    with pytest.raises(RuntimeError, match='reference batch of 2'):
        net(torch.rand(3, 1, 28, 28))
    net.perturb_all_scales()
    assert not backbone._forward_pre_hooks


def test_one_line_errors_for_impossible_scales():
    from mmfg.analysis import UnitImageClassifier
    from mmfg.utils import ConfigError

    model, _ = build(TD_CFG)
    with pytest.raises(ConfigError, match='3 input scales'):
        UnitImageClassifier(model).perturb_one_scale(3,
                                                     torch.rand(1, 1, 28, 28))
    bu, _ = build(BU_CFG)
    net = UnitImageClassifier(bu)
    assert net.scales is None
    with pytest.raises(ConfigError, match='Top-Down network'):
        net.perturb_one_scale(0, torch.rand(1, 1, 28, 28))
