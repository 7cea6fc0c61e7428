"""The wheel of ``pip wheel --no-deps --no-build-isolation .`` ships
``configs/``, ``tools/`` and ``model-index.yml`` under ``mmfg/.mim`` (where
OpenMMLab's ``mim`` and mmfg's model-hub registration look) and nothing but
the ``mmfg`` package; an sdist's own wheel ships the same files; and
(``slow``) ``mim train`` / ``mim test`` / ``mim search`` run on a clean
virtual environment holding only that wheel, from a folder outside the
repository.

The wheel is built from a copy of the checkout's files (tracked, and
untracked but not ignored: what a clone plus local work holds) plus decoys
a working tree accumulates (work_dirs/, data/, .venv/, a stale mmfg/.mim
copy), so the build neither writes into the working tree nor can miss a
file that is only present here.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from ..conftest import REPO

#: files a working tree holds that no package may ship
DECOYS = {
    'work_dirs/lenet5_fashion-mnist/epoch_1.pth': b'not a checkpoint',
    'data/fashion_mnist/t10k-labels-idx1-ubyte': b'not data',
    '.venv/lib/python3.11/site-packages/decoy.py': b'x = 1\n',
    'mmfg/.mim/configs/stale_config.py': b'x = 1\n',
    'build/lib/mmfg/.mim/configs/stale_build.py': b'x = 1\n',
}


def checkout_files():
    """Paths (relative to the repo) git would hand a clone, plus the
    untracked files that are not ignored."""
    cmd = ['git', 'ls-files', '-z', '--cached', '--others']
    out = subprocess.run(
        cmd + ['--exclude-standard'],
        cwd=REPO,
        check=True,
        capture_output=True).stdout
    return [p for p in out.decode().split('\0') if p]


def copy_checkout(dst):
    for rel in checkout_files():
        src = osp.join(REPO, rel)
        if osp.isfile(src):  # deleted but not yet staged: skip
            os.makedirs(osp.dirname(osp.join(dst, rel)), exist_ok=True)
            shutil.copy2(src, osp.join(dst, rel))
    for rel, data in DECOYS.items():
        os.makedirs(osp.dirname(osp.join(dst, rel)), exist_ok=True)
        with open(osp.join(dst, rel), 'wb') as f:
            f.write(data)


def pip_wheel(src, out):
    start = time.time()
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '--no-cache-dir', '-q', '-w', out, '.'
    ],
                   cwd=src,
                   check=True,
                   capture_output=True,
                   text=True)
    wheels = glob.glob(osp.join(out, 'mmfg-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0], time.time() - start


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """``(wheel path, its file names, build seconds, source copy)``."""
    src = str(tmp_path_factory.mktemp('mmfg_src'))
    copy_checkout(src)
    wheel, seconds = pip_wheel(src, str(tmp_path_factory.mktemp('wheel')))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    return wheel, names, seconds, src


def repo_files(folder, patterns):
    files = set()
    for pattern in patterns:
        files |= {
            osp.relpath(p, REPO)
            for p in glob.glob(
                osp.join(REPO, folder, '**', pattern), recursive=True)
        }
    return files


def test_wheel_ships_configs_tools_and_model_index(built):
    _, names, _, _ = built
    names = set(names)
    for rel in ('mmfg/.mim/model-index.yml',
                'mmfg/.mim/configs/baselines/lenet5_fashion-mnist.py',
                'mmfg/.mim/configs/baselines/metafile.yml',
                'mmfg/.mim/configs/_base_/default_runtime.py',
                'mmfg/.mim/configs/racnn/racnn_lenet5_fashion-mnist-lr8.py',
                'mmfg/.mim/tools/train.py', 'mmfg/.mim/tools/test.py',
                'mmfg/.mim/tools/dist_train.sh',
                'mmfg/.mim/tools/misc/grid_holes.yml', 'mmfg/__init__.py',
                'mmfg/model_hub.py'):
        assert rel in names, rel
    # every config and metafile, every tool script, exactly
    configs = {
        n[len('mmfg/.mim/'):]
        for n in names if n.startswith('mmfg/.mim/configs/')
    }
    assert configs == repo_files('configs', ('*.py', '*.yml', '*.md'))
    tools = {
        n[len('mmfg/.mim/'):]
        for n in names if n.startswith('mmfg/.mim/tools/')
    }
    assert tools == {
        p
        for p in repo_files('tools', ('*.py', '*.sh', '*.yml'))
        if '__pycache__' not in p
    }


def test_wheel_ships_nothing_else(built):
    _, names, _, _ = built
    from mmfg.version import __version__
    tops = {n.split('/')[0] for n in names}
    assert tops == {'mmfg', f'mmfg-{__version__}.dist-info'}, tops
    for n in names:
        parts = n.split('/')
        assert not {
            'work_dirs', 'data', 'experiments', '.venv', 'tests', 'build',
            '__pycache__'
        } & set(parts), n
        assert not n.endswith(('.pyc', '.pth', '.log')), n
        assert 'stale' not in n, n
    with zipfile.ZipFile(built[0]) as z:
        top_level = z.read(f'mmfg-{__version__}.dist-info/top_level.txt')
    # mim infers the module of a package from its first line
    assert top_level.decode().split() == ['mmfg']


def test_wheel_builds_in_seconds(built):
    """From a clean checkout the build takes ~2 s (it reads no data/ or
    work_dirs/: they are pruned from the manifest and are no packages)."""
    assert built[2] < 30, built[2]


def test_wheel_model_index_resolves_inside_the_wheel(built, tmp_path):
    """Every model of the shipped index names a config shipped next to it
    (as the model hub resolves it: relative to mmfg/.mim)."""
    from modelindex.load_model_index import load
    wheel, _, _, _ = built
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp_path)
    mim = tmp_path / 'mmfg' / '.mim'
    with open(mim / 'model-index.yml') as f, \
            open(osp.join(REPO, 'model-index.yml')) as g:
        assert f.read() == g.read()
    index = load(str(mim / 'model-index.yml'))
    index.build_models_with_collections()
    assert len(index.models) > 150
    for model in index.models:
        assert (mim / model.config).is_file(), model.config


def test_sdist_wheel_ships_the_same_files(built, tmp_path):
    """``setup.py sdist`` carries configs/, tools/, model-index.yml and the
    requirements at its root; the wheel built from it equals the one built
    from the checkout."""
    _, names, _, src = built
    subprocess.run(
        [sys.executable, 'setup.py', '-q', 'sdist', '-d',
         str(tmp_path)],
        cwd=src,
        check=True,
        capture_output=True)
    sdist, = glob.glob(str(tmp_path / 'mmfg-*.tar.gz'))
    shutil.unpack_archive(sdist, tmp_path / 'unpacked')
    root, = glob.glob(str(tmp_path / 'unpacked' / 'mmfg-*'))
    for rel in ('model-index.yml', 'requirements/runtime.txt',
                'configs/baselines/lenet5_fashion-mnist.py', 'tools/train.py'):
        assert osp.isfile(osp.join(root, rel)), rel
    for decoy in ('work_dirs', 'data', '.venv', 'experiments', 'tests',
                  osp.join('mmfg', '.mim')):
        assert not osp.exists(osp.join(root, decoy)), decoy
    wheel, _ = pip_wheel(root, str(tmp_path / 'wheel'))
    with zipfile.ZipFile(wheel) as z:
        assert sorted(z.namelist()) == sorted(names)


# ---------------------------------------------------------------- slow
def site_packages(python):
    return subprocess.run([
        python, '-c',
        'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    ],
                          check=True,
                          capture_output=True,
                          text=True).stdout.strip()


def clean_env():
    """The environment minus anything that would put the checkout on the
    path (PYTHONPATH) or the CI venv first (VIRTUAL_ENV)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME')
    }
    env['OMP_NUM_THREADS'] = '1'
    return env


def run_clean(args, cwd, timeout=900):
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_mim_train_test_search_from_a_clean_venv_with_only_the_wheel(
        built, tmp_path, fashion_mnist_root):
    """``python -m venv`` + ``pip install --no-deps <wheel>``; the
    dependencies come from this interpreter's site-packages through a
    ``.pth`` file (a path entry only: the checkout's editable install, an
    ``easy-install.pth`` there, is not processed). From a folder outside
    the repository: ``mim train mmfg lenet5_fashion-mnist.py`` (data reached
    through a ``data/fashion_mnist`` link in that folder), ``mim test``
    (data reached through ``--cfg-options ...data_root``), ``mim search``,
    and ``mmpretrain.list_models`` on the installed index."""
    wheel, _, _, _ = built
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    ours = site_packages(sys.executable)
    with open(osp.join(site_packages(python), '_ci_deps.pth'), 'w') as f:
        f.write(ours + '\n')
    run_clean([python, '-m', 'pip', 'install', '-q', '--no-deps', wheel],
              cwd=str(tmp_path))
    work = tmp_path / 'user'
    (work / 'data').mkdir(parents=True)
    os.symlink(fashion_mnist_root, work / 'data' / 'fashion_mnist')

    where = run_clean([
        python, '-c', 'import mmfg, pkg_resources; print(mmfg.__file__); '
        'print(pkg_resources.get_distribution("mmfg").location)'
    ],
                      cwd=str(work)).split()
    installed = site_packages(python)
    assert where[0] == osp.join(installed, 'mmfg', '__init__.py')
    assert where[1] == installed
    assert not osp.realpath(where[0]).startswith(REPO)

    tiny = [
        'train_dataloader.dataset.indices=512',
        'val_dataloader.dataset.indices=256', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0'
    ]
    start = time.time()
    out = run_clean(
        [
            python, '-m', 'mim', 'train', 'mmfg', 'lenet5_fashion-mnist.py',
            '--work-dir', 'work_dirs/lenet5', '--cfg-options',
            'train_cfg.max_epochs=1'
        ] + tiny,
        cwd=str(work))
    train_s = time.time() - start
    shipped = osp.join(installed, 'mmfg', '.mim')
    assert osp.join(shipped, 'tools', 'train.py') in out
    assert osp.join(shipped, 'configs', 'baselines',
                    'lenet5_fashion-mnist.py') in out
    assert 'Training finished successfully' in out
    ckpt = work / 'work_dirs' / 'lenet5' / 'epoch_1.pth'
    assert ckpt.is_file()

    root = f'data_root={fashion_mnist_root}'
    start = time.time()
    out = run_clean([
        python, '-m', 'mim', 'test', 'mmfg', 'lenet5_fashion-mnist.py',
        '--checkpoint',
        str(ckpt), '--work-dir', 'work_dirs/lenet5_test', '--cfg-options',
        f'test_dataloader.dataset.{root}', 'test_dataloader.dataset.'
        'indices=256', 'test_dataloader.num_workers=0'
    ],
                    cwd=str(tmp_path))
    test_s = time.time() - start
    assert osp.join(shipped, 'tools', 'test.py') in out
    assert 'accuracy/top1' in out and 'Testing finished successfully' in out

    out = run_clean(
        [python, '-m', 'mim', 'search', 'mmfg', '--model', 'racnn'],
        cwd=str(work))
    assert 'config id: racnn_lenet5_fashion-mnist-lr8' in out
    out = run_clean([
        python, '-c', 'import mmfg, mmpretrain; '
        'print(mmpretrain.list_models("lenet5*")); '
        'm = mmpretrain.get_model("lenet5_fashion-mnist"); '
        'print(type(m.backbone).__module__, m._metainfo.config.filename)'
    ],
                    cwd=str(work))
    assert "['lenet5_fashion-mnist']" in out
    assert 'mmfg.models.backbones.lenet' in out
    assert osp.join(shipped, 'configs', 'baselines') in out
    print(f'mim train {train_s:.1f} s, mim test {test_s:.1f} s')
