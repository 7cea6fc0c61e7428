"""Checkpoint files that a kill cannot spoil (mmfg/engine/checkpoint_files.py)
and clear errors for unreadable ones (mmfg/engine/checkpoint.py)."""
import os

import pytest
import torch
from torch import nn

from mmfg.engine.checkpoint import check_checkpoint_fits, read_checkpoint
from mmfg.engine.checkpoint_files import (atomic_write_text,
                                          checkpoint_is_complete,
                                          find_resumable_checkpoint, tmp_name)
from mmfg.utils.errors import CheckpointError


def save(path, epoch):
    torch.save({'meta': {'epoch': epoch}, 'state_dict': {}}, path)
    return str(path)


def test_find_resumable_checkpoint(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None
    e1 = save(tmp_path / 'epoch_1.pth', 1)
    e2 = save(tmp_path / 'epoch_2.pth', 2)
    atomic_write_text(str(tmp_path / 'last_checkpoint'), e1)
    # last_checkpoint is trusted when its file is complete
    assert find_resumable_checkpoint(str(tmp_path)) == e1
    # truncated file named: the newest complete one instead
    data = open(e2, 'rb').read()
    e3 = tmp_path / 'epoch_3.pth'
    e3.write_bytes(data[:len(data) // 2])
    atomic_write_text(str(tmp_path / 'last_checkpoint'), str(e3))
    assert not checkpoint_is_complete(str(e3))
    assert find_resumable_checkpoint(str(tmp_path)) == e2
    # empty last_checkpoint (killed while writing it, before mmfg's hook)
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resumable_checkpoint(str(tmp_path)) == e2
    # a partial file under the temporary name is never picked
    (tmp_path / '.epoch_4.pth.tmp').write_bytes(data)
    assert find_resumable_checkpoint(str(tmp_path)) == e2


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = str(tmp_path / 'last_checkpoint')
    atomic_write_text(path, 'a')
    atomic_write_text(path, 'b')
    assert open(path).read() == 'b'
    assert not os.path.exists(tmp_name(path))


def test_read_checkpoint_errors(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(CheckpointError, match='is empty'):
        read_checkpoint(str(empty))
    with pytest.raises(FileNotFoundError):
        read_checkpoint(str(tmp_path / 'none.pth'))


def test_check_checkpoint_fits():
    model = nn.Sequential(nn.Linear(4, 3))
    own = model.state_dict()
    check_checkpoint_fits(model, {'state_dict': own}, 'x.pth', strict=True)
    # DDP-prefixed names are revised
    check_checkpoint_fits(
        model, {'state_dict': {
            f'module.{k}': v
            for k, v in own.items()
        }},
        'x.pth',
        strict=True)
    with pytest.raises(CheckpointError, match='none of its weight names'):
        check_checkpoint_fits(model,
                              {'state_dict': {
                                  'rpn_head.w': torch.zeros(1)
                              }}, 'x.pth')
    wrong = {'0.weight': torch.zeros(5, 4), '0.bias': torch.zeros(5)}
    check_checkpoint_fits(model, wrong, 'x.pth')  # fine-tuning: allowed
    with pytest.raises(CheckpointError, match=r'\(5, 4\) in the checkpoint'):
        check_checkpoint_fits(model, wrong, 'x.pth', strict=True)
    with pytest.raises(CheckpointError, match='no model weights'):
        check_checkpoint_fits(model, {'optimizer': {}}, 'x.pth')


def test_temporary_names_are_per_process(tmp_path):
    """Two processes saving the same checkpoint name never share a
    temporary file; --resume removes a dead process's temporary files but
    not a live one's."""
    import subprocess

    from mmfg.engine.checkpoint_files import remove_partial_files
    path = str(tmp_path / 'epoch_1.pth')
    assert tmp_name(path) == str(tmp_path / f'.epoch_1.pth.{os.getpid()}.tmp')
    dead = subprocess.Popen(['true'])
    dead.wait()
    live = tmp_path / f'.epoch_1.pth.{os.getppid()}.tmp'
    stale = [
        tmp_path / f'.epoch_1.pth.{dead.pid}.tmp',
        tmp_path / '.epoch_1.pth.tmp'
    ]
    for p in stale + [live]:
        p.write_bytes(b'x')
    remove_partial_files(str(tmp_path))
    assert live.exists() and not any(p.exists() for p in stale)
