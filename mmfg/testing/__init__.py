"""Test helpers shared by the test suite and the tools (fixtures of the
FGVC datasets in their official layouts)."""
from .fgvc_fixtures import (FIXTURES, make_birdsnap, make_cifar10, make_cub200,
                            make_fgvc_aircraft, make_fixture, make_flowers102,
                            make_imagenette, make_inaturalist2018,
                            make_mnist_fixture, make_nabirds,
                            make_proposal_file, make_stanford_cars,
                            make_stanford_dogs)

__all__ = [
    'FIXTURES', 'make_birdsnap', 'make_cifar10', 'make_cub200',
    'make_fgvc_aircraft', 'make_fixture', 'make_flowers102', 'make_imagenette',
    'make_inaturalist2018', 'make_mnist_fixture', 'make_nabirds',
    'make_proposal_file', 'make_stanford_cars', 'make_stanford_dogs'
]
