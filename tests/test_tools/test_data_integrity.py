"""Data integrity end to end: tools/train.py refuses an image listed twice,
an image path leading outside data_root, an empty split and a proposal file
whose image sizes do not fit the decoded images, each in one line; and
tools/analysis_tools/collect_results.py refuses unfinished runs and reports
a cut-short scalars.json line."""
import os.path as osp

import pytest

from mmfg.testing import make_proposal_file
from mmfg.testing.fgvc_fixtures import make_cub200
from ..conftest import BASELINE_CFG, REPO, run_tool
from ..test_analysis.test_results import fake_run

TRAIN = osp.join(REPO, 'tools', 'train.py')
COLLECT = osp.join(REPO, 'tools', 'analysis_tools', 'collect_results.py')


def error_line(proc):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    return lines[0]


def cub_config(tmp_path, data_root, extra=''):
    cfg = tmp_path / 'cub.py'
    cfg.write_text(f"""_base_ = [{BASELINE_CFG!r}]
model = dict(backbone=dict(num_classes=3))
data_preprocessor = dict(num_classes=3)
pipeline = [dict(type='LoadImageFromFile', color_type='grayscale'),
            dict(type='Resize', scale=(32, 32)), dict(type='PackInputs')]
train_dataloader = dict(batch_size=2, num_workers=1, dataset=dict(
    _delete_=True, type='CUB', data_root={data_root!r},
    split='train', pipeline=pipeline{extra}))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_epochs=1, val_interval=100)
""")
    return str(cfg)


def train(tmp_path, cfg):
    return run_tool([TRAIN, cfg, '--work-dir', str(tmp_path / 'work')])


@pytest.fixture
def cub(tmp_path):
    info = make_cub200(str(tmp_path / 'data'), num_classes=3)
    return info, info['data_root']


def test_train_refuses_a_repeated_image_id(tmp_path, cub):
    info, root = cub
    path = osp.join(root, 'images.txt')
    lines = open(path).read().splitlines()
    # the id of image 2 (a test image) again, with the path of image 1
    lines.append(f'2 {lines[0].split()[1]}')
    open(path, 'w').write('\n'.join(lines) + '\n')
    line = error_line(train(tmp_path, cub_config(tmp_path, root)))
    assert line == (
        f'error: CUB: {path}, line {len(lines)}: image id 2 appears again '
        '(first on line 2); every entry must be listed once (a repeated line '
        "adds the image twice and can give it another line's label or "
        'split): remove one of the two lines. Expected lines of the form '
        '"<image_id> <image_name>"')


def test_train_refuses_a_path_outside_data_root(tmp_path, cub):
    info, root = cub
    path = osp.join(root, 'images.txt')
    lines = open(path).read().splitlines()
    lines[0] = '1 ../../../../../../../../etc/hostname'
    open(path, 'w').write('\n'.join(lines) + '\n')
    line = error_line(train(tmp_path, cub_config(tmp_path, root)))
    assert line.startswith(f'error: CUB: {path}, line 1: path ')
    assert '/etc/hostname leads outside data_root ' in line
    assert 'allow_paths_outside_root=True' in line


def test_train_refuses_an_empty_split(tmp_path, cub):
    info, root = cub
    path = osp.join(root, 'train_test_split.txt')
    lines = open(path).read().splitlines()
    open(path, 'w').write(''.join(f'{ln.split()[0]} 0\n' for ln in lines))
    line = error_line(train(tmp_path, cub_config(tmp_path, root)))
    assert line.startswith("error: CUB: split 'train' has no images")
    assert path in line and 'concatenate' not in line


def test_train_refuses_proposal_sizes_of_other_images(tmp_path, cub):
    from mmfg.registry import DATASETS
    info, root = cub
    ds = DATASETS.build(dict(type='CUB', data_root=root, split='train'))
    props = str(tmp_path / 'props.json')
    make_proposal_file(props, ds, sizes='doubled')
    cfg = cub_config(tmp_path, root, extra=f', proposal_file={props!r}')
    line = error_line(train(tmp_path, cfg))
    assert line.startswith(f'error: proposal file {props}: image_sizes gives '
                           '[h, w] = [')
    assert 'but the decoded image is [' in line


def test_collect_results_unfinished_and_cut_short(tmp_path):
    fake_run(tmp_path, 'net_seed0', 3, top1=80.)
    finished = fake_run(tmp_path, 'net_seed1', 3, top1=82.)
    stopped = fake_run(tmp_path, 'net_seed2', 1, top1=10.)
    line = error_line(run_tool([COLLECT, str(tmp_path)]))
    assert line.startswith(f'error: 1 run(s) under {tmp_path} did not '
                           f'finish: {stopped} (the last validation in its '
                           'scalars.json is after epoch 1, '
                           'train_cfg.max_epochs=3 in ')

    # the final validation line of a finished run cut short (disk full,
    # kill): reported, and that run no longer counts as finished
    scalars = osp.join(finished, '20260101_000000', 'vis_data', 'scalars.json')
    with open(scalars) as f:
        text = f.read()
    with open(scalars, 'w') as f:
        f.write(text[:-30])
    proc = run_tool([COLLECT, str(tmp_path), '--unfinished', 'skip'])
    assert proc.returncode == 0, proc.stderr
    assert 'Traceback' not in proc.stderr
    assert (f'warning: {scalars}: the last line (line 6) is cut short'
            in proc.stderr)
    assert f'warning: run {stopped} is unfinished' in proc.stderr
    assert f'warning: run {finished} is unfinished' in proc.stderr
    assert '| net | 83.00 | 82.00 | 1 |' in proc.stdout
