"""Behaviour every FGVC loader shares, checked on each dataset's fixture in
its official layout (mmfg.testing.fgvc_fixtures writes the files and
returns what it wrote; the loaders are compared with that truth)."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from PIL import Image

from mmfg.datasets import LEGACY_NAMES
from mmfg.datasets.proposals import load_proposal_file
from mmfg.registry import DATASETS
from mmfg.testing import FIXTURES, make_proposal_file
from mmfg.utils import DataError

# the FGVC loaders (MNIST / Fashion-MNIST: test_mnist.py)
TYPES = sorted(
    t for t in FIXTURES
    if t not in LEGACY_NAMES and t not in ('MNIST', 'FashionMNIST'))
FILE_TYPES = [t for t in TYPES if t != 'CIFAR10']

# one annotation file per dataset that every split needs
ANNOTATION_FILE = {
    'CUB': 'images.txt',
    'NABirds': 'image_class_labels.txt',
    'Birdsnap': 'test_images.txt',
    'StanfordDogs': 'lists/train_list.mat',
    'StanfordCars': 'devkit/cars_meta.mat',
    'Flowers102': 'setid.mat',
    'FGVCAircraft': 'data/variants.txt',
    'INaturalist2018': 'train2018.json',
    'CIFAR10': 'cifar-10-batches-py/batches.meta',
}
# the image folder of the first split
IMAGE_DIR = {
    'CUB': 'images',
    'NABirds': 'images',
    'Birdsnap': 'download/images',
    'StanfordDogs': 'Images',
    'StanfordCars': 'cars_train',
    'Flowers102': 'jpg',
    'FGVCAircraft': 'data/images',
    'INaturalist2018': 'train_val2018',
    'Imagenette': 'train',
}


@pytest.fixture(scope='module')
def fixtures(tmp_path_factory):
    """One read-only fixture per dataset type, shared by the module."""
    root = tmp_path_factory.mktemp('fgvc')
    return {t: FIXTURES[t](str(root / t)) for t in TYPES}


def fresh(tmp_path, dataset_type, **kwargs):
    """A private fixture that a test may damage."""
    return FIXTURES[dataset_type](str(tmp_path), **kwargs)


def build(truth, split, **kwargs):
    # mmengine's serialisation runs gc.collect() (~0.2 s a build): only the
    # main comparison below keeps it on
    kwargs.setdefault('serialize_data', False)
    return DATASETS.build(
        dict(
            type=truth['type'],
            data_root=truth['data_root'],
            split=split,
            **kwargs))


def assert_same_items(ds, records):
    assert len(ds) == len(records)
    for i, rec in enumerate(records):
        info = ds.get_data_info(i)
        for key, value in rec.items():
            if isinstance(value, np.ndarray):
                assert info[key].dtype == value.dtype, key
                np.testing.assert_array_equal(info[key], value, err_msg=key)
            else:
                assert info[key] == value, (i, key)
        assert isinstance(info['gt_label'], int)


@pytest.mark.parametrize('dataset_type', TYPES)
def test_loader_matches_fixture(fixtures, dataset_type):
    """Counts, labels, boxes, parts and order per split equal the files."""
    truth = fixtures[dataset_type]
    sets = {}
    for split, records in truth['splits'].items():
        ds = build(truth, split, serialize_data=True)
        assert_same_items(ds, records)
        assert tuple(ds.metainfo['classes']) == tuple(truth['classes'])
        assert ds.split == split
        labels = ds.get_gt_labels()
        assert labels.min() >= 0 and labels.max() < truth['num_classes']
        sets[split] = {
            ds.proposal_key(ds.get_data_info(i))
            for i in range(len(ds))
        }
    # split membership: the official splits are disjoint ...
    base = [s for s in sets if s != 'trainval']
    for i, a in enumerate(base):
        for b in base[i + 1:]:
            assert not sets[a] & sets[b], (a, b)
    # ... and trainval is train + val
    if 'trainval' in sets:
        assert sets['trainval'] == sets['train'] | sets['val']


@pytest.mark.parametrize('dataset_type', TYPES)
def test_test_mode_follows_split(fixtures, dataset_type):
    truth = fixtures[dataset_type]
    for split in truth['splits']:
        ds = build(truth, split)
        assert ds.test_mode == (split in ('val', 'test'))
    assert build(truth, split, test_mode=False).test_mode is False


@pytest.mark.parametrize('dataset_type', FILE_TYPES)
def test_images_decode_with_load_image_from_file(fixtures, dataset_type):
    truth = fixtures[dataset_type]
    split = next(iter(truth['splits']))
    ds = build(truth, split, pipeline=[dict(type='LoadImageFromFile')])
    for i in (0, len(ds) - 1):
        out = ds[i]
        with Image.open(truth['splits'][split][i]['img_path']) as im:
            w, h = im.size
        assert out['img'].shape == (h, w, 3)
        assert out['img'].dtype == np.uint8


def test_cifar_items_are_arrays(fixtures):
    truth = fixtures['CIFAR10']
    ds = build(truth, 'test', pipeline=[dict(type='PackInputs')])
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 32, 32)
    assert out['data_samples'].gt_label.item() == \
        truth['splits']['test'][0]['gt_label']


@pytest.mark.parametrize('dataset_type', FILE_TYPES)
def test_missing_image_when_decoded_names_path(tmp_path, dataset_type):
    truth = fresh(tmp_path, dataset_type)
    split = next(iter(truth['splits']))
    ds = build(truth, split, pipeline=[dict(type='LoadImageFromFile')])
    path = truth['splits'][split][0]['img_path']
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=path):
        ds[0]


@pytest.mark.parametrize('dataset_type', TYPES)
def test_wrong_data_root(tmp_path, dataset_type):
    truth = fresh(tmp_path, dataset_type)
    cls = DATASETS.get(dataset_type)
    wrong = str(tmp_path / 'no_such_folder')
    with pytest.raises(FileNotFoundError) as info:
        build(dict(truth, data_root=wrong), next(iter(truth['splits'])))
    msg = str(info.value)
    assert wrong in msg and 'does not exist' in msg
    assert 'Expected layout' in msg and cls.LAYOUT in msg


@pytest.mark.parametrize('dataset_type', TYPES)
def test_bad_split(fixtures, dataset_type):
    with pytest.raises(ValueError, match='split must be one of'):
        build(fixtures[dataset_type], 'validation')


@pytest.mark.parametrize('dataset_type', sorted(ANNOTATION_FILE))
def test_missing_annotation_file(tmp_path, dataset_type):
    truth = fresh(tmp_path, dataset_type)
    rel = ANNOTATION_FILE[dataset_type]
    path = osp.join(truth['data_root'], rel)
    os.remove(path)
    with pytest.raises(FileNotFoundError) as info:
        build(truth, next(iter(truth['splits'])))
    msg = str(info.value)
    assert osp.basename(path) in msg and 'not found' in msg
    assert DATASETS.get(dataset_type).LAYOUT in msg


@pytest.mark.parametrize('dataset_type', sorted(IMAGE_DIR))
def test_missing_image_dir(tmp_path, dataset_type):
    truth = fresh(tmp_path, dataset_type)
    folder = osp.join(truth['data_root'], IMAGE_DIR[dataset_type])
    shutil.rmtree(folder)
    with pytest.raises(FileNotFoundError) as info:
        build(truth, next(iter(truth['splits'])))
    msg = str(info.value)
    assert folder in msg and 'not found' in msg and 'Expected layout' in msg


@pytest.mark.parametrize('dataset_type',
                         sorted(t for t in FILE_TYPES if t != 'Imagenette'))
def test_check_files_and_missing_policy(tmp_path, dataset_type):
    """A listed image missing on disk: error listing it by default,
    dropped with missing_images='skip', unnoticed with check_files=False
    (the default only for the huge iNaturalist)."""
    truth = fresh(tmp_path, dataset_type)
    split = next(iter(truth['splits']))
    records = truth['splits'][split]
    os.remove(records[1]['img_path'])
    with pytest.raises(FileNotFoundError) as info:
        build(truth, split, check_files=True)
    msg = str(info.value)
    assert records[1]['img_path'] in msg and '1 of the' in msg
    assert 'missing_images="skip"' in msg
    ds = build(truth, split, check_files=True, missing_images='skip')
    assert_same_items(ds, records[:1] + records[2:])
    assert len(build(truth, split, check_files=False)) == len(records)
    with pytest.raises(ValueError, match='missing_images'):
        build(truth, split, missing_images='ignore')


@pytest.mark.parametrize('dataset_type', TYPES)
def test_proposals_attached(tmp_path, fixtures, dataset_type):
    truth = fixtures[dataset_type]
    split = next(iter(truth['splits']))
    ds = build(truth, split)
    path = str(tmp_path / 'props.json')
    written = make_proposal_file(path, ds)
    assert any(len(v) == 0 for v in written.values())
    with_props = build(truth, split, proposal_file=path)
    for i in range(len(with_props)):
        info = with_props.get_data_info(i)
        expected = written[with_props.proposal_key(info)]
        assert info['proposals'].dtype == np.float32
        assert info['proposals'].shape == (len(expected), 5)
        np.testing.assert_array_equal(info['proposals'], expected)
    # the keys are paths relative to data_root (or batch/index for CIFAR)
    key = ds.proposal_keys()[0]
    if 'img_path' in truth['splits'][split][0]:
        assert osp.join(truth['data_root'], *key.split('/')) == \
            truth['splits'][split][0]['img_path']
    else:
        assert key == truth['splits'][split][0]['img_key']
    assert load_proposal_file(path, [key])[key].shape[1] == 5


@pytest.mark.parametrize('dataset_type', ['CUB', 'CIFAR10'])
def test_proposal_file_missing_images(tmp_path, fixtures, dataset_type):
    truth = fixtures[dataset_type]
    split = next(iter(truth['splits']))
    ds = build(truth, split)
    path = str(tmp_path / 'props.json')
    written = make_proposal_file(path, ds)
    # a file made for two images only
    from mmfg.datasets.proposals import dump_proposal_file
    dump_proposal_file(path, dict(list(written.items())[:2]))
    with pytest.raises(DataError) as info:
        build(truth, split, proposal_file=path)
    msg = str(info.value)
    assert path in msg and f'{len(ds) - 2} of the {len(ds)} images' in msg
    assert ds.proposal_keys()[2] in msg


@pytest.mark.parametrize('dataset_type', TYPES)
def test_user_classes_checked(fixtures, dataset_type):
    from mmfg.utils import ConfigError
    truth = fixtures[dataset_type]
    split = next(iter(truth['splits']))
    names = [f'c{i}' for i in range(truth['num_classes'])]
    assert list(build(truth, split, classes=names).CLASSES) == names
    with pytest.raises(ConfigError, match='class names were given'):
        build(truth, split, classes=names + ['extra'])


def test_bbox_parts_options_validated(fixtures):
    with pytest.raises(ValueError, match='has no parts annotations'):
        build(fixtures['StanfordDogs'], 'train', with_parts=True)
    with pytest.raises(ValueError, match='has no bbox annotations'):
        build(fixtures['Imagenette'], 'train', with_bbox=True)
    # False is always accepted
    ds = build(fixtures['Imagenette'], 'train', with_bbox=False)
    assert 'gt_bboxes' not in ds.get_data_info(0)


def test_repr_mentions_split_and_root(fixtures):
    truth = fixtures['CUB']
    text = repr(build(truth, 'test'))
    assert 'Split: \ttest' in text and truth['data_root'] in text
    assert 'Number of categories: \t3' in text


def test_proposal_empty_policy_from_the_dataset(tmp_path, fixtures):
    """``proposal_empty=`` of any dataset reaches the loader: empty entries
    kept, replaced by the whole image (v2 sizes) or refused."""
    from mmfg.datasets.proposals import dump_proposal_file
    truth = fixtures['CUB']
    split = next(iter(truth['splits']))
    ds = build(truth, split)
    keys = ds.proposal_keys()
    sizes, props = {}, {}
    for i, key in enumerate(keys):
        w, h = Image.open(ds.get_data_info(i)['img_path']).size
        sizes[key] = (h, w)
        props[key] = [] if i == 0 else [[1, 2, 5, 7, 0.5]]
    path = str(tmp_path / 'props_v2.json')
    dump_proposal_file(path, props, image_sizes=sizes)
    kept = build(truth, split, proposal_file=path)
    assert kept.get_data_info(0)['proposals'].shape == (0, 5)
    whole = build(
        truth, split, proposal_file=path, proposal_empty='whole_image')
    h, w = sizes[keys[0]]
    np.testing.assert_array_equal(
        whole.get_data_info(0)['proposals'], [[0, 0, w, h, 0]])
    np.testing.assert_array_equal(
        whole.get_data_info(1)['proposals'], [[1, 2, 5, 7, 0.5]])
    with pytest.raises(DataError, match=keys[0]):
        build(truth, split, proposal_file=path, proposal_empty='error')
    with pytest.raises(ValueError, match='proposal_empty'):
        build(truth, split, proposal_file=path, proposal_empty='drop')
