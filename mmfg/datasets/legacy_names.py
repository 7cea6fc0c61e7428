"""Registry names of earlier mmfg versions, kept so that configs written
for them still build: each is an alias of the loader that replaced it.
New configs use the names on the right (see :mod:`mmfg.datasets`)."""
from mmfg.registry import DATASETS
from .cifar import CIFAR10
from .cub import CUB
from .fgvc_aircraft import FGVCAircraft
from .flowers102 import Flowers102
from .mnist import MNIST, FashionMNIST
from .stanford_cars import StanfordCars

#: old registry name -> the loader class that replaces it
LEGACY_NAMES = {
    'CUB200': CUB,
    'StanfordCarsBoxes': StanfordCars,
    'Flowers102FG': Flowers102,
    'FGVCAircraftFG': FGVCAircraft,
    'CIFAR10Split': CIFAR10,
    'MNISTIdx': MNIST,
    'FashionMNISTIdx': FashionMNIST,
}

for _name, _cls in LEGACY_NAMES.items():
    DATASETS.register_module(name=_name, module=_cls)
