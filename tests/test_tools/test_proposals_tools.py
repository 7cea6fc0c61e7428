"""tools/proposals end to end on a generated Fashion-MNIST fixture (random
weights): pseudo_boxes (CAM, CS-parts) -> COCO json + proposal file,
evaluate, and generate (detector -> proposal file with the dataset's
keys)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmfg.datasets.proposals import read_proposal_file
from mmfg.testing.idx_fixtures import make_mnist
from ..conftest import REPO, run_tool

TOOLS = osp.join(REPO, 'tools', 'proposals')
CLS_CFG = osp.join(REPO, 'configs', 'focus_longer',
                   'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py')
DET_CFG = osp.join(
    REPO, 'configs', 'proposals',
    'rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-'
    'cam.py')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('proposal_tools')
    root = make_mnist(tmp / 'data')['data_root']
    cfg = tmp / 'cls.py'
    cfg.write_text(f'_base_ = {CLS_CFG!r}\n' + ''.join(
        f'{loader} = dict(dataset=dict(data_root={root!r}))\n'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')))
    from mmfg.apis.model import init_model
    torch.manual_seed(0)
    model = init_model(str(cfg))
    ckpt = tmp / 'cls.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    return tmp, str(cfg), str(ckpt)


def keys(split, n=20):
    name = 'train' if split == 'train' else 't10k'
    return [f'cluttered/{name}-images-idx3-ubyte/{i}' for i in range(n)]


def run(args):
    proc = run_tool(args)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


@pytest.mark.parametrize('method, extra, per_image', [
    ('cam', ['--num-boxes', '3'], (1, 3)),
    ('cs-parts', [
        '--svm-images', '20', '--feature-layer', 'backbone.stages.2.units',
        '--sigma', '1'
    ], (4, 4)),
])
def test_pseudo_boxes_and_evaluate(setup, method, extra, per_image):
    from mmdet.datasets import CocoDataset
    tmp, cfg, ckpt = setup
    out = tmp / f'{method}_coco.json'
    props = tmp / f'{method}_props.json'
    log = run([
        osp.join(TOOLS, 'pseudo_boxes.py'), cfg, ckpt, '--method', method,
        '--split', 'test', '--out',
        str(out), '--proposal-out',
        str(props), '--save-images',
        str(tmp / 'images')
    ] + extra)
    assert '"corloc"' in log and 'images/s' in log
    boxes, sizes = read_proposal_file(str(props))
    assert sorted(boxes) == sorted(keys('test'))
    assert all(sizes[k] == (112, 112) for k in boxes)
    lo, hi = per_image
    for b in boxes.values():
        assert lo <= len(b) <= hi
        assert (b[:, 2] <= 112).all() and (b[:, 3] <= 112).all()
    ds = CocoDataset(
        ann_file=str(out),
        data_root=str(tmp),
        data_prefix=dict(img='images/'),
        metainfo=dict(classes=('part', )),
        pipeline=[])
    assert len(ds) == 20 and osp.isfile(ds.get_data_info(0)['img_path'])
    log = run([
        osp.join(TOOLS, 'evaluate.py'),
        str(props), '--dataset-config', cfg, '--nums', '1', '4'
    ])
    scores = json.loads(log[log.index('{\n'):log.rindex('}') + 1])
    assert 0 <= scores['corloc'] <= scores['recall@4'] <= 1


def test_generate_writes_the_dataset_keys(setup):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    tmp, cfg, _ = setup
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        det = MODELS.build(Config.fromfile(DET_CFG).model)
    ckpt = tmp / 'det.pth'
    torch.save({'state_dict': det.state_dict()}, ckpt)
    out = tmp / 'det_props.json'
    log = run([
        osp.join(TOOLS, 'generate.py'), DET_CFG,
        str(ckpt), '--dataset-config', cfg, '--split', 'train', '--num-images',
        '6', '--pad-split', '--num-boxes', '5', '--out',
        str(out)
    ])
    assert '--pad-split: 14 more images' in log
    boxes, sizes = read_proposal_file(str(out))
    assert sorted(boxes) == sorted(keys('train'))
    counts = [len(boxes[k]) for k in keys('train')]
    assert all(0 < c <= 5 for c in counts[:6])
    assert counts[6:] == [0] * 14
    for b in boxes.values():
        if len(b):
            assert (np.diff(b[:, 4]) <= 0).all()  # NMS order, best first
