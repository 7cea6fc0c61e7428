from .birdsnap import Birdsnap
from .cifar import CIFAR10Split
from .cub import CUB200
from .fgvc_aircraft import FGVCAircraftFG
from .flowers102 import Flowers102FG
from .imagenette import Imagenette
from .inaturalist import INaturalist2018
from .mnist import FashionMNISTIdx, MNISTIdx
from .nabirds import NABirds
from .proposals import dump_proposal_file, load_proposal_file
from .stanford_cars import StanfordCarsBoxes
from .stanford_dogs import StanfordDogs

__all__ = [
    'Birdsnap', 'CIFAR10Split', 'CUB200', 'FGVCAircraftFG', 'Flowers102FG',
    'FashionMNISTIdx', 'INaturalist2018', 'Imagenette', 'MNISTIdx',
    'NABirds', 'StanfordCarsBoxes', 'StanfordDogs', 'dump_proposal_file',
    'load_proposal_file'
]
from .transforms import *  # noqa: F401,F403 (registers the transforms)
