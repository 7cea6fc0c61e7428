import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FASHION_MNIST = osp.join(REPO, 'data', 'fashion_mnist')
BASELINE_CFG = osp.join(REPO, 'configs', 'baselines',
                        'lenet5_fashion-mnist.py')


@pytest.fixture(scope='session')
def fashion_mnist_root():
    if not osp.isfile(osp.join(FASHION_MNIST, 't10k-labels-idx1-ubyte')):
        pytest.fail(
            f'{FASHION_MNIST} is not prepared: run bash tools/setup.sh')
    return FASHION_MNIST


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_tool(args, cwd=REPO, env=None, timeout=900):
    """Run a command from the repo root with this interpreter on PATH;
    returns the CompletedProcess (stdout+stderr captured as text)."""
    full_env = dict(os.environ)
    full_env['PYTHON'] = sys.executable
    full_env['PYTHONPATH'] = REPO + os.pathsep + full_env.get('PYTHONPATH', '')
    full_env.pop('MMFG_DEBUG', None)
    full_env.update(env or {})
    if args[0].endswith('.py'):
        args = [sys.executable] + list(args)
    return subprocess.run(
        args,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)


# Test lanes (markers registered in pytest.ini). Every test under
# tests/test_configs/ is in the `configs` lane and every test under
# tests/test_tools/ in the `tools` lane; tests elsewhere that launch a
# tools/ or experiments/ script or train through the runner end to end
# carry `pytestmark = pytest.mark.tools` (or the decorator) themselves.
# Fast lane: python -m pytest tests -m "not slow and not configs and not tools"
# .ci/run:   python -m pytest tests  (every lane but `slow`)
LANE_FOLDERS = {'test_configs': 'configs', 'test_tools': 'tools'}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark each test by the folder it lives in, before ``-m`` selects."""
    tests_dir = osp.dirname(osp.abspath(__file__))
    for item in items:
        rel = osp.relpath(str(item.path), tests_dir).split(os.sep)
        lane = LANE_FOLDERS.get(rel[0])
        if lane is not None:
            item.add_marker(getattr(pytest.mark, lane))
