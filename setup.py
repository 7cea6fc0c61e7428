"""Install mmfg. The pins CI tests live in requirements/*.txt; install_requires
holds the ranges an existing OpenMMLab deployment may run.

``configs/``, ``tools/`` and ``model-index.yml`` go into the package as
``mmfg/.mim/`` (where OpenMMLab's ``mim train/test/search`` and mmfg's
model-hub registration look for them, as in mmpretrain and mmdet): linked
into the source tree by an editable install (``pip install -e .``), copied
into the build directory (never into the source tree) by a wheel build, and
shipped at the root of an sdist, whose own wheel build copies them likewise.
"""
import os
import os.path as osp
import platform
import shutil
import sys

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
#: what mim needs inside the installed package (mmfg/.mim/<name>)
MIM_FILES = ('configs', 'tools', 'model-index.yml')
MIM_IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '*.pyo')


def get_version():
    ns = {}
    with open(osp.join(HERE, 'mmfg', 'version.py')) as f:
        exec(f.read(), ns)
    return ns['__version__']


def parse_requirements(fname):
    """Package names from a requirements file (comments, -r lines skipped)."""
    reqs = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


def _remove(path):
    if osp.islink(path) or osp.isfile(path):
        os.remove(path)
    elif osp.isdir(path):
        shutil.rmtree(path)


def copy_mim_files(mim_dir):
    """Copy ``MIM_FILES`` from the source root into ``mim_dir`` (replacing
    what a previous build left there)."""
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim_dir, name)
        if not osp.exists(src):
            raise FileNotFoundError(
                f'{src} is missing: build mmfg from a full checkout or sdist')
        _remove(dst)
        if osp.isdir(src):
            shutil.copytree(src, dst, ignore=MIM_IGNORE)
        else:
            shutil.copyfile(src, dst)


def link_mim_files():
    """Editable install: ``mmfg/.mim/<name>`` -> ``../../<name>`` (relative
    symlinks, so edits to configs/ and tools/ are seen; copies on Windows),
    as mmpretrain's ``add_mim_extension`` does in develop mode."""
    mim_dir = osp.join(HERE, 'mmfg', '.mim')
    if platform.system() == 'Windows':
        copy_mim_files(mim_dir)
        return
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        dst = osp.join(mim_dir, name)
        rel = osp.relpath(osp.join(HERE, name), mim_dir)
        if osp.islink(dst) and os.readlink(dst) == rel:
            continue
        _remove(dst)
        os.symlink(rel, dst)


class BuildPyWithMim(build_py):
    """``build_py`` that also puts ``MIM_FILES`` into ``<build>/mmfg/.mim``
    (so every wheel, from the checkout or from the sdist, ships them)."""

    def run(self):
        super().run()
        if not self.dry_run and not getattr(self, 'editable_mode', False):
            copy_mim_files(osp.join(self.build_lib, 'mmfg', '.mim'))


if {'develop', 'editable_wheel'} & set(sys.argv[1:]):
    link_mim_files()

# Ranges real OpenMMLab 2.x deployments run (CI tests the pins in
# requirements/).
INSTALL_REQUIRES = parse_requirements('requirements/runtime.txt') + [
    'torch>=1.13',
    'torchvision>=0.14',
    'mmengine>=0.8.3,<1.0.0',
    'mmcv>=2.0.0,<2.2.0',  # mmdet 3.x asserts mmcv < 2.2.0 at import
    'mmpretrain>=1.0.0,<1.3.0',
    'mmdet>=3.0.0,<3.4.0',
]

with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='mmfg',
    version=get_version(),
    description='Fine-grained visual classification toolbox on OpenMMLab '
    '(RACNN, Top-Down, FVE, Focus-Longer, GASA)',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    # only mmfg (tests/, experiments/, tools/ are no installed packages)
    packages=find_packages(include=('mmfg', 'mmfg.*')),
    include_package_data=True,
    cmdclass={'build_py': BuildPyWithMim},
    python_requires='>=3.8',
    install_requires=INSTALL_REQUIRES,
    extras_require={
        'tests': parse_requirements('requirements/tests.txt'),
        'optional': parse_requirements('requirements/optional.txt'),
        'deploy': parse_requirements('requirements/deploy.txt'),
        # mim itself: pip install --no-deps openmim (requirements/mim.txt
        # says why)
        'mim': parse_requirements('requirements/mim.txt'),
        'tensorboard': parse_requirements('requirements/tensorboard.txt'),
    },
    zip_safe=False,
)
