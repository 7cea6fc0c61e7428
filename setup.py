"""Install mmfg. The pins CI tests live in requirements/*.txt; install_requires
holds the ranges an existing OpenMMLab deployment may run."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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
    packages=find_packages(
        exclude=('configs', 'tools', 'tests', 'docs', 'experiments',
                 'experiments.*')),
    include_package_data=True,
    python_requires='>=3.8',
    install_requires=INSTALL_REQUIRES,
    extras_require={
        'tests': parse_requirements('requirements/tests.txt'),
        'optional': parse_requirements('requirements/optional.txt'),
        'deploy': parse_requirements('requirements/deploy.txt'),
        # mim itself: pip install --no-deps openmim (requirements/mim.txt says why)
        'mim': parse_requirements('requirements/mim.txt'),
        'tensorboard': parse_requirements('requirements/tensorboard.txt'),
    },
    zip_safe=False,
)
