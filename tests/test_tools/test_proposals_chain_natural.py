"""The proposals stage end to end on a dataset of photos without part
annotations: Stanford Dogs fixtures in the official layout, random weights.

``tools/proposals/chain.sh stanford-dogs`` runs the real tools in
subprocesses: the FVE global classifier (noparts_inception-v3, the chain's
default) -> CAM boxes and CS-parts of both splits (pseudo_boxes.py) -> the
natural-image RPN trained a few iterations on the CAM boxes (tools/train.py)
-> its proposals of both splits (generate.py). Then the FVE (CS-parts) and
Focus-Longer (RPN proposals) Stanford Dogs configs train one step each on
the files the chain wrote and validate on one test image (tools/train.py).
About 3 minutes on one CPU core (ten tool processes): ``slow``.

The checks are independent of the tools: the image keys and sizes come from
the fixture's own records and PIL, and a config given the other split's
file is refused (so the files are really read)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mmfg.datasets.proposals import read_proposal_file
from mmfg.testing.fgvc_fixtures import make_fixture
from ..conftest import REPO, run_tool

CHAIN = osp.join(REPO, 'tools', 'proposals', 'chain.sh')
CLS_CFG = osp.join(REPO, 'configs', 'fve',
                   'noparts_inception-v3_stanford-dogs.py')
DET_CFG = osp.join(REPO, 'configs', 'proposals',
                   'rpn_r18_fpn_1xb8-4000it_stanford-dogs-cam.py')
FVE_CFG = osp.join(REPO, 'configs', 'fve',
                   'fve_inception-v3_stanford-dogs-cs-parts.py')
FL_CFG = osp.join(REPO, 'configs', 'focus_longer',
                  'focus-longer_vgg19_stanford-dogs-proposals.py')
#: the RPN: random init (no download), 3 iterations of 2 images
DET_OPTS = ' '.join([
    'model.backbone.init_cfg=None', 'train_cfg.max_iters=3',
    'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'default_hooks.checkpoint.interval=3', 'default_hooks.logger.interval=1'
])
#: the classifier at 160 px (InceptionV3's map 3x3): seconds, not minutes
SMALL = 160


def loaders_with(root, **dataset):
    return ''.join(f'{loader} = dict(dataset=dict(data_root={root!r}, ' +
                   ', '.join(f'{k}={v!r}' for k, v in dataset.items()) + '))\n'
                   for loader in ('train_dataloader', 'val_dataloader',
                                  'test_dataloader'))


@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('chain')
    truth = make_fixture('StanfordDogs', str(tmp / 'data'))
    root = truth['data_root']
    # the chain's own classifier config on the fixture, at a smaller size
    cls_cfg = tmp / 'noparts_stanford-dogs.py'
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(SMALL, SMALL), keep_ratio=False),
        dict(type='PackFGInputs')
    ]
    cls_cfg.write_text(f'_base_ = {CLS_CFG!r}\n' +
                       loaders_with(root, pipeline=pipeline))
    from mmfg.apis.model import init_model
    torch.manual_seed(0)
    model = init_model(str(cls_cfg))
    ckpt = tmp / 'cls.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    out = tmp / 'out'
    proc = run_tool(['bash', CHAIN, 'stanford-dogs'],
                    env=dict(
                        OUT=str(out),
                        CLS_CFG=str(cls_cfg),
                        CLS_CKPT=str(ckpt),
                        SVM_IMAGES='6',
                        BATCH='6',
                        DET_OPTS=DET_OPTS,
                        OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-4000:]
    return dict(truth=truth, out=out, log=proc.stdout, tmp=tmp)


def _expected(truth, split):
    """{key: (h, w)} of a split from the fixture's records and PIL."""
    root = truth['data_root']
    sizes = {}
    for rec in truth['splits'][split]:
        key = osp.relpath(rec['img_path'], root).replace(os.sep, '/')
        with Image.open(rec['img_path']) as im:
            sizes[key] = (im.height, im.width)
    return sizes


@pytest.mark.slow
def test_chain_writes_every_file_of_both_splits(chain):
    out, truth = chain['out'], chain['truth']
    log = chain['log']
    # every step ran, in order, and the RPN trained its 3 iterations
    steps = [
        f'[chain] stanford-dogs: {s}'
        for s in ('classifier', 'cam', 'cs-parts', 'detector', 'generate')
    ]
    assert [log.index(s) for s in steps] == sorted(log.index(s) for s in steps)
    assert 'Iter(train) [3/3]' in log
    assert 'iter_3.pth' in (out / 'rpn_cam' / 'last_checkpoint').read_text()
    for split in ('train', 'test'):
        want = _expected(truth, split)
        # CAM pseudo boxes: a COCO json mmdet reads, images in place
        from mmdet.datasets import CocoDataset
        ds = CocoDataset(
            ann_file=str(out / f'cam_{split}_coco.json'),
            data_root='',
            data_prefix=dict(img=truth['data_root'] + '/'),
            metainfo=dict(classes=('part', )),
            pipeline=[])
        assert len(ds) == len(want)
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            key = osp.relpath(info['img_path'], truth['data_root'])
            assert want[key] == (info['height'], info['width'])
            assert len(info['instances']) == 1  # CAM_BOXES=1
        # proposal files: the dataset's keys and image sizes
        for kind, most in (('cs-parts', 4), ('rpn-cam', 10)):
            boxes, sizes = read_proposal_file(
                str(out / f'{kind}_{split}.json'))
            assert {k: tuple(v) for k, v in sizes.items()} == want, kind
            for key, b in boxes.items():
                h, w = want[key]
                assert 1 <= len(b) <= most, (kind, key)
                assert (b[:, 0] >= 0).all() and (b[:, 2] <= w).all()
                assert (b[:, 1] >= 0).all() and (b[:, 3] <= h).all()
                assert (b[:, 2] > b[:, 0]).all() and (b[:, 3] > b[:, 1]).all()
                assert (np.diff(b[:, 4]) <= 0).all() or kind == 'cs-parts'
    with open(out / 'logs' / 'rpn-cam_test_metrics.json') as f:
        assert json.load(f)['num_images'] == len(_expected(truth, 'test'))


def _train_one_step(chain, config, files, name):
    """tools/train.py CONFIG for one iteration (1 image, 1 epoch) and a
    validation on 1 image, on the fixture with the chain's proposal files
    ``{loader: file}`` (the model sized to the fixture's classes)."""
    root = chain['truth']['data_root']
    n = chain['truth']['num_classes']
    opts = [
        'train_cfg.max_epochs=1', 'model.backbone.init_cfg=None',
        'model.local_backbone.init_cfg=None', f'model.head.num_classes={n}',
        f'model.local_head.num_classes={n}',
        f'data_preprocessor.num_classes={n}'
    ]
    for loader, path in files.items():
        opts += [
            f'{loader}.dataset.data_root={root}',
            f'{loader}.dataset.proposal_file={path}',
            f'{loader}.dataset.indices=1', f'{loader}.batch_size=1',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False'
        ]
    return run_tool(
        [
            osp.join(REPO, 'tools', 'train.py'), config, '--work-dir',
            str(chain['tmp'] / name), '--cfg-options'
        ] + opts,
        env=dict(OMP_NUM_THREADS='1'))


@pytest.mark.parametrize(
    'config, kind', [(FVE_CFG, 'cs-parts'), (FL_CFG, 'rpn-cam')],
    ids=['fve-cs-parts', 'focus-longer-rpn-cam'])
@pytest.mark.slow
def test_part_configs_train_one_step_on_the_chain_files(chain, config, kind):
    out = chain['out']
    files = {
        'train_dataloader': out / f'{kind}_train.json',
        'val_dataloader': out / f'{kind}_test.json',
        'test_dataloader': out / f'{kind}_test.json'
    }
    proc = _train_one_step(chain, config, files, f'{kind}_ok')
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Epoch(train) [1][1/1]' in proc.stdout
    assert 'Epoch(val) [1][1/1]' in proc.stdout
    assert osp.isfile(chain['tmp'] / f'{kind}_ok' / 'epoch_1.pth')
    # the file is read: the test split's file does not fit the train split
    swapped = dict(files, train_dataloader=files['val_dataloader'])
    proc = _train_one_step(chain, config, swapped, f'{kind}_swapped')
    assert proc.returncode == 1
    errors = [
        line for line in proc.stderr.splitlines() if line.startswith('error:')
    ]
    assert len(errors) == 1 and f'{kind}_test.json' in errors[0], errors


@pytest.mark.parametrize(
    'args, env, status, line', [
        (['stanford-dogs', 'generate'], {}, 2,
         'error: {out}/rpn_cam/last_checkpoint is missing; make it with: '
         'bash {chain} stanford-dogs detector'),
        (['stanford-dogs', 'cam'], {}, 2,
         'error: {out}/classifier/last_checkpoint is missing; make it with: '
         'bash {chain} stanford-dogs classifier'),
        (['stanford-dogs', 'detector'], {}, 2,
         'error: {out}/cam_train_coco.json is missing; make it with: '
         'bash {chain} stanford-dogs cam'),
        (['dogs'], {}, 1, "error: unknown dataset 'dogs'; one of: cub nabirds "
         'birdsnap stanford-dogs stanford-cars fgvc-aircraft flowers102 '
         'inat2018'),
        (['cub', 'train'], {}, 1, "error: unknown step 'train'; steps: "
         'classifier cam cs-parts detector generate, or paths alone'),
        (['cub'], dict(CLS_CFG='no.py'), 1,
         'error: classifier config no.py not found; set CLS_CFG'),
    ],
    ids=[
        'no-detector', 'no-classifier', 'no-pseudo-boxes', 'dataset', 'step',
        'config'
    ])
def test_chain_mistakes_are_one_line(tmp_path, args, env, status, line):
    out = tmp_path / 'out'
    proc = run_tool(['bash', CHAIN] + args, env=dict(OUT=str(out), **env))
    assert proc.returncode == status
    assert proc.stderr.splitlines() == [line.format(out=out, chain=CHAIN)]
