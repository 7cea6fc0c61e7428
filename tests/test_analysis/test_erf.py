"""ERF sizes, Lelekas et al. Sec. 3.2, Eq. (1):
r_i = r_{i-1} + (k_i - 1) m_{i-1},  m_i = m_{i-1} s_i,  r_0 = m_0 = 1."""
import os.path as osp

import pytest
import torch
import torch.nn as nn

from mmfg.analysis import (erf_sizes, erf_table, erf_tables, module_layers,
                           td_chains)
from mmfg.models import TopDownNet
from ..conftest import REPO

CFG_DIR = osp.join(REPO, 'configs', 'topdown')

# (kernel, stride) of a small chain, and its ERF by hand:
#   start           r=1,  m=1
#   3x3 / 1: r = 1 + 2*1 = 3,   m = 1
#   3x3 / 1: r = 3 + 2*1 = 5,   m = 1
#   2x2 / 2: r = 5 + 1*1 = 6,   m = 2
#   3x3 / 1: r = 6 + 2*2 = 10,  m = 2
#   3x3 / 2: r = 10 + 2*2 = 14, m = 4
#   3x3 / 1: r = 14 + 2*4 = 22, m = 4
CHAIN = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 2), (3, 1)]
HAND = [(3, 1), (5, 1), (6, 2), (10, 2), (14, 4), (22, 4)]


def test_formula_on_hand_computed_chain():
    assert erf_sizes(CHAIN) == HAND
    assert erf_sizes([('a', 5, 1)]) == [(5, 1)]


def _empirical_erf(layers, size=96):
    """Side of the input square with non-zero gradient for the centre unit
    of a stack of all-ones convolutions (no padding: no border effects;
    positive weights: no cancellations)."""
    convs = []
    for k, s in layers:
        conv = nn.Conv2d(1, 1, k, stride=s, bias=False)
        nn.init.ones_(conv.weight)
        convs.append(conv)
    net = nn.Sequential(*convs)
    x = torch.ones(1, 1, size, size, requires_grad=True)
    y = net(x)
    h, w = y.shape[-2:]
    y[0, 0, h // 2, w // 2].backward()
    nz = x.grad[0, 0].abs() > 0
    rows = nz.any(1).nonzero().flatten()
    cols = nz.any(0).nonzero().flatten()
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


@pytest.mark.parametrize('n', range(1, len(CHAIN) + 1))
def test_formula_matches_empirical_gradient_support(n):
    r = erf_sizes(CHAIN[:n])[-1][0]
    assert _empirical_erf(CHAIN[:n]) == (r, r)


@pytest.mark.parametrize('layers', [[(5, 1), (2, 2), (5, 1), (2, 2),
                                     (3, 1)], [(7, 2), (3, 2), (3, 1),
                                               (3, 2)]])
def test_formula_matches_empirical_on_bu_like_chains(layers):
    r = erf_sizes(layers)[-1][0]
    assert _empirical_erf(layers) == (r, r)


def test_per_layer_report_for_built_lenetfc():
    """LeNetFC BU: conv5, pool2/2, conv5, pool2/2, conv3, class conv1.
    By hand: 5; 5+1=6 (m=2); 6+4*2=14; 14+1*2=16 (m=4); 16+2*4=24; 24."""
    model = TopDownNet('lenetfc', 'bu', 1, num_classes=10)
    table = erf_table(model)
    assert [row['erf'] for row in table] == [5, 6, 14, 16, 24, 24]
    assert [row['jump'] for row in table] == [1, 2, 2, 4, 4, 4]
    # walking the built modules finds the same layers in the same order
    walked = module_layers(model)
    assert [(k, s) for _, k, s in walked] == [(r['kernel'], r['stride'])
                                              for r in table]


def test_resnet18_description():
    """Main path of ResNet-18, by hand: conv7/2 -> 7 (m=2); max pool 3/2
    -> 7+2*2 = 11 (m=4); stage 1, four 3x3 convs: 11 + 4*2*4 = 43;
    stage 2: strided conv 43+2*4 = 51 (m=8), three more: 51 + 3*16 = 99;
    stage 3: 99+16 = 115 (m=16), + 3*32 = 211; stage 4: 211+32 = 243
    (m=32), + 3*64 = 435."""
    table = erf_table('resnet18')
    assert len(table) == 2 + 16
    assert table[-1]['erf'] == 435 and table[-1]['jump'] == 32
    # the walk over the built BU model skips the 1x1 shortcuts
    walked = module_layers(TopDownNet('resnet18', 'bu'))
    assert erf_sizes(walked)[-1] == (435, 32)


def test_td_model_is_rejected():
    with pytest.raises(ValueError, match='Top-Down'):
        erf_table(TopDownNet('lenetfc', 'td', 1))


def test_lenetfc_tables_by_hand():
    """erf_tables on the Top-Down LeNetFC configs, against Eq. (1) by
    hand."""
    bu = erf_tables(osp.join(CFG_DIR, 'bu_lenetfc_fashion-mnist.py'))
    bu = bu['result']['bu']
    # LeNetFC: conv5, pool2/2, conv5, pool2/2, conv3, class conv 1x1
    assert [r['erf'] for r in bu] == [5, 6, 14, 16, 24, 24]
    assert [r['jump'] for r in bu] == [1, 2, 2, 4, 4, 4]
    out = erf_tables(osp.join(CFG_DIR, 'td_lenetfc_fashion-mnist.py'))
    td = out['result']['td']
    # coarsest input: TF Gaussian resize by 4 (sigma 2, taps at +-0.5 ...
    # +-5.5: 12 px) with stride 4, conv3 at jump 4 (+8), upsample (jump 2),
    # merge 3x3 (+4), conv5 (+8), upsample (jump 1), merge 3x3 (+2), conv5
    # (+4): 12 + 8 + 4 + 8 + 2 + 4 = 38
    assert td['4'][0]['kernel'] == 12 and td['2'][0]['kernel'] == 6
    assert td['4'][-1]['erf'] == 38
    # 1/2: resize 6 px, stride 2; merge 3x3 (+4), conv5 (+8), up, merge
    # 3x3 (+2), conv5 (+4) and the branch conv5 at jump 2 (+8): 32
    assert td['2'][-1]['erf'] == 32
    assert td['1'][-1]['erf'] == 11  # conv5, merge 3x3, conv5, 1x1
    assert out['summary'] == ('ERF at the output per input scale: 1/4: 38, '
                              '1/2: 32, 1/1: 11; BU: 24')


def test_resnet18_td_chains_include_the_extra_coarse_input():
    """ResNet18-TD: the 1/16 input enters the coarsest level (1/8) through
    pre_branch and pre_merge, so it has its own chain, and the 1/8 chain
    passes pre_merge's 3x3 convolution too."""
    chains = td_chains(TopDownNet('resnet18', 'td', 3))
    assert list(chains) == [16, 8, 4, 2, 1]
    names = {f: [name for name, _, _ in chain] for f, chain in chains.items()}
    assert names[16][1:4] == [
        'stages.0.pre_branch.conv', 'upsample x2',
        'stages.0.pre_merge.fuse.conv'
    ]
    assert names[8][1:3] == [
        'stages.0.branch.conv', 'stages.0.pre_merge.fuse.conv'
    ]
    # by hand, 1/16 path: resize 48 px at stride 16, the 7x7 input conv
    # (48 + 6*16 = 144), upsample to jump 8, 3x3 merge (144 + 2*8 = 160);
    # 1/8 path: resize 24 px at stride 8, 7x7 conv (24 + 6*8 = 72), 3x3
    # merge (72 + 2*8 = 88)
    rows = {f: erf_sizes(c) for f, c in chains.items()}
    assert rows[16][:4] == [(48, 16), (144, 16), (144, 8), (160, 8)]
    assert rows[8][:3] == [(24, 8), (72, 8), (88, 8)]
    # after the merge both paths run through the same layers
    assert chains[16][4:] == chains[8][3:]
    assert rows[16][-1][0] - rows[8][-1][0] == 160 - 88
