"""A full disk while a run writes its log, ``scalars.json`` or a checkpoint
stops the real ``tools/train.py`` with one line naming the file and the
free space, and leaves every log/JSON file parseable (whole lines only)
(mmfg/engine/log_files.py, mmfg/engine/checkpoint_files.py)."""
import json
import os
import os.path as osp
import re

import pytest

from ..conftest import REPO, run_tool
from .test_bad_input import error_line
from .test_errors import TRAIN, tiny_config

pytestmark = pytest.mark.tools
HERE = osp.dirname(osp.abspath(__file__))


def run(tmp_path, extra='', env=None):
    cfg = tiny_config(tmp_path, extra=extra)
    return run_tool([TRAIN, cfg, '--work-dir',
                     str(tmp_path / 'work')],
                    env=env)


def json_lines(path):
    with open(path) as f:
        text = f.read()
    assert text.endswith('\n') or not text, text[-200:]
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.skipif(not os.access('/dev/full', os.W_OK), reason='no /dev/full')
def test_disk_full_while_writing_scalars(tmp_path):
    """``scalars.json`` is a link to /dev/full, whose writes fail with
    ENOSPC like a full disk (a traceback before)."""
    vis = tmp_path / 'vis'
    vis.mkdir()
    os.symlink('/dev/full', vis / 'scalars.json')
    proc = run(
        tmp_path,
        extra='visualizer = dict(vis_backends=[dict(type=\'LocalVisBackend\''
        f', save_dir={str(vis)!r})])\n')
    line = error_line(proc)
    assert line.startswith(
        f'error: out of disk space while writing {vis}/scalars.json (')
    assert line.endswith(f'in {vis}); the file is intact up to its last '
                         'complete line. Free some space (or train into '
                         'another --work-dir), then continue with --resume')
    # the other JSON log of the run is whole lines
    (stamped, ) = [
        p for p in os.listdir(vis)
        if p.endswith('.json') and p != 'scalars.json'
    ]
    json_lines(vis / stamped)


def test_disk_fills_up_while_writing_the_log(tmp_path):
    """At iteration 2 the log may grow 100 more bytes only: its next line
    is cut short (a full disk's partial write), then refused. The log is
    cut back to whole lines, the run stops in one line (before: "---
    Logging error ---" tracebacks, the run going on without a log)."""
    proc = run(
        tmp_path,
        extra="custom_imports = dict(imports=['disk_full_points'], "
        "allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='FileSizeLimitHook')]\n",
        env={
            'PYTHONPATH': REPO + os.pathsep + HERE,
            'MMFG_TEST_FSIZE': '1:2:100'
        })
    line = error_line(proc)
    assert line.startswith('error: the file size limit was reached while '
                           f'writing {tmp_path}/work/')
    assert '.log (' in line and 'last complete line' in line
    assert 'Logging error' not in proc.stderr
    (stamp, ) = [p for p in os.listdir(tmp_path / 'work') if p[0].isdigit()]
    with open(tmp_path / 'work' / stamp / f'{stamp}.log') as f:
        log = f.read()
    assert log.endswith('\n')
    # its last line is a whole record: "2026/12/06 22:54:58 - mmengine - ..."
    assert re.match(r'(\d{4}/)?\d\d/\d\d [\d:]{8} - mmengine - [A-Z]+ - ',
                    log.splitlines()[-1])
    json_lines(tmp_path / 'work' / stamp / 'vis_data' / 'scalars.json')


@pytest.mark.skipif(not os.access('/dev/full', os.W_OK), reason='no /dev/full')
def test_disk_full_while_saving_a_checkpoint(tmp_path):
    """The checkpoint's temporary file (unique to the process, so the test
    hook makes it) is a link to /dev/full: the run stops in one line, no
    partial file is left."""
    proc = run(
        tmp_path,
        extra="custom_imports = dict(imports=['disk_full_points'], "
        "allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='FileSizeLimitHook')]\n",
        env={
            'PYTHONPATH': REPO + os.pathsep + HERE,
            'MMFG_TEST_DEVFULL_SAVE': '1'
        })
    work = tmp_path / 'work'
    line = error_line(proc)
    assert line.startswith('error: out of disk space while saving '
                           f'checkpoint {work}/epoch_1.pth (')
    assert 'max_keep_ckpts' in line and '--resume' in line
    assert not osp.exists(work / 'epoch_1.pth')
    assert not [p for p in os.listdir(work) if p.endswith('.tmp')]
