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
