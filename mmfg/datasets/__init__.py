"""Dataset loaders (official release layouts) and transforms of mmfg.

Reuse rule: a loader of a dataset that mmpretrain already has (``CUB``,
``StanfordCars``, ``Flowers102``, ``FGVCAircraft``, ``CIFAR10``, ``MNIST``,
``FashionMNIST``) extends mmpretrain's class and is registered under the
same name in the ``mmfg`` scope, deliberately (as mmdet re-registers
mmcv's transforms): with ``default_scope='mmfg'``, ``type='CUB'`` gives
mmfg's loader, ``type='mmpretrain.CUB'`` mmpretrain's. Every loader,
extension or not, derives from mmfg's one base class
:class:`~.base_dataset.FGVCDataset` (written as
``class CUB(FGVCDataset, mmpretrain.datasets.CUB)``), which gives all of
them the same options (``split``, ``proposal_file``, ``with_bbox``,
``with_parts``, ``check_files``, ``missing_images``, ``backend_args``), the
same fields (``gt_bboxes``, ``gt_keypoints``, ``proposals``) and errors that
name the file, the expected layout and how to prepare it. Datasets
mmpretrain lacks (``NABirds``, ``Birdsnap``, ``StanfordDogs``,
``INaturalist2018``, ``Imagenette``) derive from ``FGVCDataset`` alone and
are registered under their dataset's name.

Modules: :mod:`.base_dataset` (the base class), :mod:`.annotation_table`
(text annotation files with line numbers), :mod:`.mat_files` (MATLAB
``.mat`` helpers), :mod:`.proposals` (proposal files), one module per
dataset, :mod:`.legacy_names` (names of earlier mmfg versions) and
:mod:`.transforms`.
"""
from .birdsnap import Birdsnap
from .cifar import CIFAR10
from .cluttered_fashion_mnist import ClutteredFashionMNIST  # noqa: F401
from .cub import CUB
from .fgvc_aircraft import FGVCAircraft
from .flowers102 import Flowers102
from .imagenette import Imagenette
from .inaturalist import INaturalist2018
from .legacy_names import LEGACY_NAMES
from .mnist import MNIST, FashionMNIST
from .nabirds import NABirds
from .proposals import dump_proposal_file, load_proposal_file
from .sr_patches import SRPatchDataset  # noqa: F401
from .stanford_cars import StanfordCars
from .stanford_dogs import StanfordDogs

__all__ = [
    'Birdsnap', 'CIFAR10', 'CUB', 'FGVCAircraft', 'Flowers102', 'FashionMNIST',
    'INaturalist2018', 'Imagenette', 'LEGACY_NAMES', 'MNIST', 'NABirds',
    'StanfordCars', 'StanfordDogs', 'dump_proposal_file', 'load_proposal_file'
]
from .transforms import *  # noqa: F401,F403 (registers the transforms)
