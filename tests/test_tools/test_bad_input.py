"""Mistakes on the command line end with one clear line and exit status 1."""
import os.path as osp

from ..conftest import BASELINE_CFG, REPO, run_tool

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')


def error_line(proc):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    return lines[0]


def test_missing_config(tmp_path):
    line = error_line(run_tool([TRAIN, 'configs/nope/nope.py']))
    assert 'config file configs/nope/nope.py does not exist' in line


def test_missing_dataset_folder(tmp_path):
    proc = run_tool([
        TRAIN, BASELINE_CFG, '--work-dir',
        str(tmp_path), '--cfg-options',
        'train_dataloader.dataset.data_root=/no/such/folder'
    ])
    line = error_line(proc)
    assert '/no/such/folder does not exist' in line
    assert 'train-images-idx3-ubyte' in line and 'setup.sh' in line


def test_unknown_registry_type(tmp_path):
    proc = run_tool([
        TRAIN, BASELINE_CFG, '--work-dir',
        str(tmp_path), '--cfg-options', 'model.backbone.type=NoSuchNet'
    ])
    line = error_line(proc)
    assert 'NoSuchNet is not in the' in line and 'registry' in line


def test_resume_missing_checkpoint(tmp_path):
    proc = run_tool([
        TRAIN, BASELINE_CFG, '--work-dir',
        str(tmp_path), '--resume',
        str(tmp_path / 'missing.pth')
    ])
    line = error_line(proc)
    assert 'missing.pth does not exist' in line


def test_test_tool_missing_checkpoint(tmp_path):
    proc = run_tool([TEST, BASELINE_CFG, str(tmp_path / 'none.pth')])
    assert 'none.pth does not exist' in error_line(proc)


def test_amp_without_gpu(tmp_path):
    import pytest
    import torch
    if torch.cuda.is_available():
        pytest.skip('a GPU is present: --amp is valid there')
    proc = run_tool(
        [TRAIN, BASELINE_CFG, '--work-dir',
         str(tmp_path), '--amp'])
    assert '--amp needs a GPU' in error_line(proc)
