"""mmfg/engine/log_files.py: when the disk fills up midway through a log
record or a ``scalars.json`` line, the file is cut back to its last whole
line and one TrainingError names it. The partial write of a full disk is
made with a file size limit (RLIMIT_FSIZE) in a child process."""
import json
import os
import subprocess
import sys

import pytest

from ..conftest import REPO

SCRIPT = r'''
import logging, resource, sys
from mmengine.visualization import LocalVisBackend
from mmfg.engine.log_files import guard_log_file, guard_vis_backend
from mmfg.utils.errors import TrainingError
folder = sys.argv[1]
handler = guard_log_file(logging.FileHandler(folder + '/run.log'))
logger = logging.getLogger('t')
logger.addHandler(handler)
backend = guard_vis_backend(LocalVisBackend(save_dir=folder + '/vis'))
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.RLIM_INFINITY))
for target, write in [
        ('log', lambda i: logger.warning('record %d %s', i, 'x' * 70)),
        ('scalars', lambda i: backend.add_scalars({'loss': 0.5}, step=i))]:
    for i in range(1000):
        try:
            write(i)
        except TrainingError as exc:
            print('ERROR', target, exc)
            if target == 'log':
                write(i + 1)  # a log handler that failed stays quiet
            break
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='rlimit')
def test_partial_write_is_cut_back_to_whole_lines(tmp_path):
    proc = subprocess.run([sys.executable, '-c', SCRIPT,
                           str(tmp_path)],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          env={
                              **os.environ, 'PYTHONPATH': REPO
                          })
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert 'Traceback' not in out and 'Logging error' not in out, out
    for target, path in [('log', tmp_path / 'run.log'),
                         ('scalars', tmp_path / 'vis' / 'scalars.json')]:
        assert (f'ERROR {target} the file size limit was reached while '
                f'writing {path} ' in proc.stdout), out
        data = path.read_bytes()
        assert 0 < len(data) <= 1000 and data.endswith(b'\n')
        lines = data.decode().splitlines()
        if target == 'scalars':
            assert [json.loads(ln)['step']
                    for ln in lines] == list(range(len(lines)))
        else:
            assert all(
                ln.startswith('record ') and ln.endswith('x' * 70)
                for ln in lines)
    assert 'intact up to its last complete line' in proc.stdout


@pytest.mark.skipif(not os.access('/dev/full', os.W_OK), reason='no /dev/full')
def test_append_whole_on_a_full_device():
    from mmfg.engine.checkpoint_files import append_whole
    from mmfg.utils.errors import TrainingError
    with pytest.raises(
            TrainingError, match='out of disk space while '
            'writing /dev/full'):
        append_whole('/dev/full', b'{"a": 1}\n')
