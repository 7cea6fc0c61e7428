"""TopDownNet: BU baselines and their Top-Down mirrors (Lelekas et al.)."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

from mmfg.models import GaussianBlurPool, TopDownNet
from mmfg.registry import MODELS

MODES = ('bu', 'td', 'td_uni', 'td_rev')

# Paper, Table 1: trainable parameters in thousands (BU, TD, TD_uni, TD_rev),
# including the classifier the paper uses: LeNetFC / NIN-light / NIN end in a
# 1x1 conv to the 10 classes + GAP (no linear layer); ResNet32 ends in
# GAP + one linear layer.
TABLE1 = {
    # arch: (in_channels, classifier, counts)
    'lenetfc': (1, 'class_conv', (8, 14, 23, 58)),  # MNIST
    'nin-light': (1, 'class_conv', (62, 213, 215, 214)),  # MNIST
    'resnet32': (3, 'linear', (468, 528, 320, 563)),  # CIFAR-10
    'nin': (3, 'class_conv', (970, 3368, 3397, 3388)),  # CIFAR-10
}
CASES = [(arch, mode, counts[i]) for arch, (_, _, counts) in TABLE1.items()
         for i, mode in enumerate(MODES)]


def count_with_paper_classifier(arch, mode, num_classes=10):
    in_channels, classifier, _ = TABLE1[arch]
    if classifier == 'class_conv':
        model = TopDownNet(arch, mode, in_channels, num_classes=num_classes)
        head = None
    else:
        model = TopDownNet(arch, mode, in_channels)
        head = nn.Linear(model.out_channels[-1], num_classes)
    params = list(model.parameters())
    if head is not None:
        params += list(head.parameters())
    return sum(p.numel() for p in params if p.requires_grad)


@pytest.mark.parametrize(
    'arch,mode,thousands', CASES, ids=[f'{a}-{m}' for a, m, _ in CASES])
def test_parameter_counts_match_paper_table1(arch, mode, thousands):
    n = count_with_paper_classifier(arch, mode)
    # '14k' means 13,500 .. 14,499
    assert math.floor(n / 1000 + 0.5) == thousands, (
        f'{arch} {mode}: {n} trainable parameters, paper {thousands}k')


def test_resnet18_bu_is_the_standard_resnet18():
    """Independent reference: mmpretrain's ResNet-18 backbone has the same
    parameter and buffer tensors (shapes), so the BU baseline is the
    standard ResNet-18."""
    from mmpretrain.models import ResNet
    ref, ours = ResNet(depth=18), TopDownNet('resnet18', 'bu')

    def shapes(tensors):
        return sorted(tuple(t.shape) for t in tensors)

    assert shapes(ours.parameters()) == shapes(ref.parameters())
    assert shapes(ours.buffers()) == shapes(ref.buffers())
    assert sum(p.numel() for p in ours.parameters()) == 11_176_512


def _stage_widths(model):
    widths = []
    for m in model.stages:
        last = m.units[-1]
        widths.append(
            last.conv2.out_channels if hasattr(last, 'conv2') else last.conv.
            out_channels)
    return widths


@pytest.mark.parametrize('arch,bu,uni', [('lenetfc', [6, 16, 32], 16),
                                         ('resnet32', [16, 32, 64], 32)])
def test_filter_arrangements(arch, bu, uni):
    """Sec. 3.3: TD mirrors the BU widths (shrinking with depth), TD_uni is
    uniform, TD_rev follows the BU order (growing with depth). BU widths
    from the paper's reference code."""
    inc = TABLE1[arch][0]
    widths = {m: _stage_widths(TopDownNet(arch, m, inc)) for m in MODES}
    assert widths['bu'] == bu
    assert widths['td'] == bu[::-1]
    assert widths['td_uni'] == [uni] * 3
    assert widths['td_rev'] == bu


def test_lenetfc_td_merges_follow_reference_layout():
    """Reference code LeNetFC_TD: 7x7 level conv3x3x32, 1x1 to 16, merge
    with the 14x14 input branch (5x5x16), 3x3 conv, 5x5x16; 1x1 to 6, merge
    with the 28x28 branch (5x5x6), 3x3, 5x5x6; TD_uni has no 1x1 convs."""
    td = TopDownNet('lenetfc', 'td', 1)
    s = td.stages
    assert s[0].units[0].conv.kernel_size == (3, 3)
    assert s[0].units[0].conv.in_channels == 1  # coarsest input directly
    assert (s[1].merge.lateral.conv.in_channels,
            s[1].merge.lateral.conv.out_channels) == (32, 16)
    assert s[1].branch.conv.kernel_size == (5, 5)
    assert s[1].branch.conv.out_channels == 16
    assert s[1].merge.fuse.conv.kernel_size == (3, 3)
    assert s[2].merge.lateral.conv.out_channels == 6
    assert s[2].branch.conv.out_channels == 6
    uni = TopDownNet('lenetfc', 'td_uni', 1)
    assert all(m.merge.lateral is None for m in uni.stages[1:])


def test_resnet32_td_uses_upsampling_preact_blocks():
    td = TopDownNet('resnet32', 'td', 3)
    up = td.stages[1].up
    assert up.upsample and up.shortcut.kernel_size == (1, 1)
    assert (up.shortcut.in_channels, up.shortcut.out_channels) == (64, 32)
    assert td.stages[1].merge.order == 'pre'
    # input branches: plain 3x3 convs (no BN / ReLU) of width 32 and 16
    assert td.stages[1].branch.conv.out_channels == 32
    assert td.stages[1].branch.norm_cfg is None
    assert len(td.stages[0].units) == 5 and len(td.stages[1].units) == 4


@pytest.mark.parametrize('arch,inc,size',
                         [('lenetfc', 1, 28), ('nin-light', 1, 28),
                          ('nin', 3, 32), ('resnet32', 3, 32)])
def test_td_builds_blurred_pyramid_and_ends_at_full_resolution(
        arch, inc, size):
    td = TopDownNet(arch, 'td', inc, out_indices=(0, 1, 2)).eval()
    pools = {
        m.factor: m
        for m in td.modules() if isinstance(m, GaussianBlurPool)
    }
    assert sorted(pools) == [2, 4]
    for f, pool in pools.items():
        assert pool.sigma == pytest.approx(f / 2)  # TF Gaussian resize
    outs = td(torch.randn(2, inc, size, size))
    assert [o.shape[-1] for o in outs] == [size // 4, size // 2, size]
    bu = TopDownNet(arch, 'bu', inc, out_indices=(0, 1, 2)).eval()
    outs = bu(torch.randn(2, inc, size, size))
    assert [o.shape[-1] for o in outs] == [size, size // 2, size // 4]


@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('hw', [(27, 27), (30, 33)])
def test_non_divisible_sizes(mode, hw):
    """Documented rule: every downsampling by f gives ceil(H / f); TD
    upsampling resizes to the next finer input, so TD ends at (H, W)."""
    m = TopDownNet('nin-light', mode, 1, num_classes=10).eval()
    out = m(torch.randn(1, 1, *hw))[-1]
    if mode == 'bu':
        assert out.shape[-2:] == tuple(math.ceil(s / 4) for s in hw)
    else:
        assert out.shape[-2:] == hw
    assert out.shape[1] == 10


@pytest.mark.parametrize('mode,shape', [('bu', (512, 7, 7)),
                                        ('td', (64, 224, 224)),
                                        ('td_uni', (128, 224, 224))])
def test_resnet18_at_224(mode, shape):
    """TD ends at the input resolution (the paper's premise; the
    reference's Imagenette ResNet18-TD, 5 input scales)."""
    m = TopDownNet('resnet18', mode, 3).eval()
    with torch.no_grad():
        out = m(torch.randn(1, 3, 224, 224))
    assert len(out) == 1 and out[0].shape == (1, ) + shape
    assert m.out_channels == [shape[0]]


def test_resnet18_td_follows_the_reference_layout():
    """Reference ResNet18-TD: a conv of the 1/16 image, upsampled and merged
    with the 1/8 image, then the stages at 1/8, 1/4, 1/2 and 1 (each level
    merging its own scale's image)."""
    m = TopDownNet('resnet18', 'td', 3, out_indices=(0, 1, 2, 3)).eval()
    x = torch.randn(1, 3, 128, 96)
    assert sorted(m.input_pyramid(x)) == [1, 2, 4, 8, 16]
    assert [lv.factor for lv in m.level_specs] == [8, 4, 2, 1]
    with torch.no_grad():
        outs = m(x)
    assert [o.shape[-2:] for o in outs] == [(16, 12), (32, 24), (64, 48),
                                            (128, 96)]
    # the 1/16 input is computed at 1/16 of the image
    seen = []

    def hook(mod, inputs, output):
        seen.append(tuple(output.shape[-2:]))

    m.pyramid['16'].register_forward_hook(hook)
    with torch.no_grad():
        m(x)
    assert seen == [(8, 6)]


@pytest.mark.parametrize('arch', list(TABLE1))
@pytest.mark.parametrize('mode', MODES)
def test_every_parameter_is_used(arch, mode):
    inc = TABLE1[arch][0]
    m = TopDownNet(arch, mode, inc, num_classes=10)
    m(torch.randn(2, inc, 16, 16))[-1].mean().backward()
    unused = [n for n, p in m.named_parameters() if p.grad is None]
    assert not unused


def test_builds_in_mmpretrain_classifier():
    """Paper classifiers: class conv + GAP + parameter-free ClsHead
    (LeNetFC) and GAP + LinearClsHead (ResNet32)."""
    from mmpretrain.structures import DataSample
    cfgs = [
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='TopDownNet',
                arch='lenetfc',
                mode='td',
                in_channels=1,
                num_classes=10),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='ClsHead')),
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='TopDownNet', arch='resnet32', mode='td', in_channels=1),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=16)),
    ]
    with DefaultScope.overwrite_default_scope('mmfg'):
        for cfg in cfgs:
            model = MODELS.build(cfg)
            x = torch.randn(4, 1, 28, 28)
            samples = [DataSample().set_gt_label(i) for i in range(4)]
            loss = model(x, samples, mode='loss')['loss']
            assert torch.isfinite(loss)
            model.eval()
            preds = model(x, samples, mode='predict')
            assert preds[0].pred_score.shape == (10, )


def test_short_training_fits_a_toy_problem():
    """A few SGD steps separate two synthetic classes (a bright blob in the
    top-left vs the bottom-right corner): the TD model learns."""
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28) * 0.2
    y = torch.arange(16) % 2
    x[y == 0, :, 3:10, 3:10] += 1
    x[y == 1, :, 18:25, 18:25] += 1
    model = TopDownNet('lenetfc', 'td', 1, num_classes=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(25):
        logits = model(x)[-1].mean((2, 3))
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_custom_description_and_errors():
    arch = dict(
        block='conv',
        uni_channels=8,
        stages=[
            dict(channels=(4, ), kernel=3, factor=1),
            dict(channels=(8, ), kernel=3, factor=2)
        ])
    m = TopDownNet(arch, 'td', 3, out_indices=(0, 1))
    assert [o.shape[-1] for o in m(torch.randn(1, 3, 16, 16))] == [8, 16]
    with pytest.raises(KeyError, match='lenetfc'):
        TopDownNet('vgg', 'td')
    with pytest.raises(ValueError, match='td_rev'):
        TopDownNet('lenetfc', 'topdown')
    with pytest.raises(IndexError):
        TopDownNet('lenetfc', 'td', out_indices=(3, ))


def test_levels_are_named_modules_with_one_interface():
    """BU stages and TD levels are BUStage / TDLevel modules called as
    ``level(x, pyramid)``; running them by hand reproduces the network."""
    from mmfg.models.backbones.topdown_stages import BUStage, TDLevel
    x = torch.randn(2, 1, 28, 28)
    bu = TopDownNet('lenetfc', 'bu', 1, out_indices=(0, 1, 2)).eval()
    assert all(type(s) is BUStage for s in bu.stages)
    td = TopDownNet('lenetfc', 'td', 1, out_indices=(0, 1, 2)).eval()
    assert all(type(s) is TDLevel for s in td.stages)
    assert [s.factor for s in td.stages] == [4, 2, 1]
    with torch.no_grad():
        feats, y = [], x
        for stage in bu.stages:
            y = stage(y)
            feats.append(y)
        for a, b in zip(feats, bu(x)):
            torch.testing.assert_close(a, b)
        pyramid = td.input_pyramid(x)
        feats, y = [], None
        for level in td.stages:
            y = level(y, pyramid)
            feats.append(y)
        for a, b in zip(feats, td(x)):
            torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match='input pyramid'):
        td.stages[0](None)
    with pytest.raises(ValueError, match='coarser features'):
        td.stages[1](None, pyramid)


def test_pyramid_argument_replaces_the_inputs():
    """``forward(x, pyramid)`` uses the given per-scale inputs (Sec. 4.2:
    perturb one scale): the output changes only through them."""
    td = TopDownNet('lenetfc', 'td', 1).eval()
    x, other = torch.randn(2, 1, 28, 28), torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        pyramid = td.input_pyramid(x)
        torch.testing.assert_close(td(other, pyramid)[0], td(x)[0])
        mixed = {**pyramid, 2: td.input_pyramid(other)[2]}
        assert not torch.allclose(td(x, mixed)[0], td(x)[0])
    bu = TopDownNet('lenetfc', 'bu', 1)
    with pytest.raises(ValueError, match='bottom-up'):
        bu(x, pyramid)
    with pytest.raises(ValueError, match='no input pyramid'):
        bu.input_pyramid(x)


def _module_paths(model):
    return sorted({k.rsplit('.', 1)[0] for k in model.state_dict()})


def test_state_dict_layout_of_trained_checkpoints():
    """The parameter paths of checkpoints trained before the levels became
    named modules (listed here) still load: LeNetFC TD and ResNet18-TD's
    coarsest level."""
    td = TopDownNet('lenetfc', 'td', 1, num_classes=10)
    assert _module_paths(td) == [
        'class_conv.bn', 'class_conv.conv', 'stages.0.units.0.bn',
        'stages.0.units.0.conv', 'stages.1.branch.bn', 'stages.1.branch.conv',
        'stages.1.merge.fuse.bn', 'stages.1.merge.fuse.conv',
        'stages.1.merge.lateral.bn', 'stages.1.merge.lateral.conv',
        'stages.1.units.0.bn', 'stages.1.units.0.conv', 'stages.2.branch.bn',
        'stages.2.branch.conv', 'stages.2.merge.fuse.bn',
        'stages.2.merge.fuse.conv', 'stages.2.merge.lateral.bn',
        'stages.2.merge.lateral.conv', 'stages.2.units.0.bn',
        'stages.2.units.0.conv'
    ]
    bu = TopDownNet('lenetfc', 'bu', 1)
    assert [p for p in _module_paths(bu) if p.startswith('stages.1')
            ] == ['stages.1.units.0.bn', 'stages.1.units.0.conv']
    r18 = TopDownNet('resnet18', 'td', 3)
    level0 = [p for p in _module_paths(r18) if p.startswith('stages.0.')]
    assert level0 == [
        'stages.0.branch.bn', 'stages.0.branch.conv', 'stages.0.pre_branch.bn',
        'stages.0.pre_branch.conv', 'stages.0.pre_merge.fuse.bn',
        'stages.0.pre_merge.fuse.conv', 'stages.0.units.0.conv1',
        'stages.0.units.0.conv2', 'stages.0.units.0.norm1',
        'stages.0.units.0.norm2', 'stages.0.units.1.conv1',
        'stages.0.units.1.conv2', 'stages.0.units.1.norm1',
        'stages.0.units.1.norm2'
    ]
    assert 'stages.1.up.shortcut.0' in _module_paths(r18)
