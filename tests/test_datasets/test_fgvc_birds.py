"""CUB, NABirds and Birdsnap: official-file details and their errors."""
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest

from mmfg.datasets import CUB, Birdsnap, NABirds
from mmfg.testing import make_birdsnap, make_cub200, make_nabirds
from mmfg.utils import DataError

FAST = dict(serialize_data=False)


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def write_lines(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def edit_line(path, index, new):
    """Replace line ``index`` (0-based) of a file; returns its 1-based
    number as error messages give it."""
    lines = read_lines(path)
    lines[index] = new
    write_lines(path, lines)
    return index + 1


# --------------------------------------------------------------------- CUB
@pytest.fixture
def cub(tmp_path):
    return make_cub200(str(tmp_path))


def test_cub_agrees_with_mmpretrain_cub(cub):
    """mmpretrain's CUB reads the same images/labels/split files."""
    from mmpretrain.datasets import CUB as MMPretrainCUB
    from mmpretrain.datasets.categories import CUB_CATEGORIES
    for split in ('train', 'test'):
        ours = CUB(cub['data_root'], split=split, **FAST)
        assert isinstance(ours, MMPretrainCUB)
        ref = MMPretrainCUB(cub['data_root'], split=split)
        assert [(d['img_path'], d['gt_label']) for d in ours] == \
            [(d['img_path'], d['gt_label']) for d in ref]
    # the NNN. prefix of classes.txt is dropped, as in mmpretrain's names
    assert ours.CLASSES == tuple(CUB_CATEGORIES[:3])


def test_cub_box_conversion_and_parts_by_hand(cub):
    """Write known lines for image 1 and check the documented conversion:
    x, y, w, h -> x1, y1, x2, y2 = x, y, x + w, y + h; part rows follow
    parts.txt; invisible parts stay [0, 0, 0]."""
    root = cub['data_root']
    boxes = read_lines(osp.join(root, 'bounding_boxes.txt'))
    i = next(i for i, line in enumerate(boxes) if line.split()[0] == '1')
    edit_line(osp.join(root, 'bounding_boxes.txt'), i, '1 10.0 20.5 30.0 40.0')
    locs_path = osp.join(root, 'parts', 'part_locs.txt')
    locs = [line for line in read_lines(locs_path) if line.split()[0] != '1']
    locs += ['1 2 5.5 6.0 1', '1 15 7.0 8.0 1'
             ] + [f'1 {p} 0.0 0.0 0'
                  for p in range(3, 15)] + ['1 1 0.0 0.0 0']
    write_lines(locs_path, locs)
    ds = CUB(root, split='train', **FAST)  # image 1 is a train image
    info = next(d for d in ds if d['img_path'].endswith('_1.jpg'))
    np.testing.assert_array_equal(info['gt_bboxes'], [[10, 20.5, 40, 60.5]])
    assert info['gt_keypoints'].shape == (1, 15, 3)
    parts = info['gt_keypoints'][0]
    assert parts.dtype == np.float32
    np.testing.assert_array_equal(parts[1], [5.5, 6, 1])  # beak (id 2)
    np.testing.assert_array_equal(parts[14], [7, 8, 1])  # throat (id 15)
    assert parts[[0] + list(range(2, 14))].sum() == 0


def test_cub_options_skip_box_and_part_files(cub):
    root = cub['data_root']
    os.remove(osp.join(root, 'bounding_boxes.txt'))
    shutil.rmtree(osp.join(root, 'parts'))
    ds = CUB(root, split='test', with_bbox=False, with_parts=False, **FAST)
    assert len(ds) == 6
    assert 'gt_bboxes' not in ds[0] and 'gt_keypoints' not in ds[0]
    with pytest.raises(FileNotFoundError, match='bounding_boxes.txt'):
        CUB(root, split='test', with_parts=False, **FAST)
    with pytest.raises(FileNotFoundError, match='parts.txt'):
        CUB(root, split='test', with_bbox=False, **FAST)


@pytest.mark.parametrize('rel, new, message', [
    ('bounding_boxes.txt', '3 1.0 2.0 3.0', 'expected 5 fields, got 4'),
    ('bounding_boxes.txt', '3 1.0 2.0 abc 3.0', "width 'abc' is not a"),
    ('bounding_boxes.txt', '3 1.0 2.0 -4.0 3.0', 'non-positive size'),
    ('image_class_labels.txt', '3 x', "class id 'x' is not an integer"),
    ('image_class_labels.txt', '3 99', r'class id 99 is not in .*classes'),
    ('train_test_split.txt', '3 2', "is_training_image '2' is not 0 or 1"),
    ('parts/part_locs.txt', '3 1 1.0 1.0 2', "visible flag '2'"),
    ('parts/part_locs.txt', '3 16 1.0 1.0 1', 'part id 16 is not in'),
    ('images.txt', 'three 001.x/y.jpg', "image id 'three' is not an"),
])
def test_cub_malformed_line_named(cub, rel, new, message):
    path = osp.join(cub['data_root'], rel)
    lines = read_lines(path)
    key = new.split()[0]
    # edit the line of image 3 (or the first line for images.txt)
    index = next((i for i, line in enumerate(lines) if line.split()[0] == key),
                 0)
    lineno = edit_line(path, index, new)
    with pytest.raises(DataError) as info:
        for split in ('train', 'test'):
            CUB(cub['data_root'], split=split, **FAST)
    msg = str(info.value)
    assert f'{path}, line {lineno}' in msg
    assert 'Expected lines of the form' in msg
    assert re.search(message, msg), msg


def test_cub_missing_and_duplicate_ids(cub):
    root = cub['data_root']
    path = osp.join(root, 'train_test_split.txt')
    lines = read_lines(path)
    write_lines(path, [line for line in lines if line.split()[0] != '5'])
    with pytest.raises(
            DataError, match=f'{path} has no line for image id '
            '5'):
        CUB(root, split='train', **FAST)
    write_lines(path, lines + [lines[0]])
    with pytest.raises(
            DataError,
            match=r'line 13: id \d+ appears again '
            r'\(first on line 1\)'):
        CUB(root, split='train', **FAST)


def test_cub_part_count_checked(cub):
    path = osp.join(cub['data_root'], 'parts', 'parts.txt')
    write_lines(path, read_lines(path)[:14])
    with pytest.raises(DataError, match='lists 14 parts, CUB has 15'):
        CUB(cub['data_root'], split='train', **FAST)


# ----------------------------------------------------------------- NABirds
@pytest.fixture
def nabirds(tmp_path):
    return make_nabirds(str(tmp_path))


def test_nabirds_sparse_class_ids_mapped_in_sorted_order(nabirds):
    root = nabirds['data_root']
    used = sorted({
        int(line.split()[1])
        for line in read_lines(osp.join(root, 'image_class_labels.txt'))
    })
    assert used != list(range(used[0], used[0] + len(used)))  # gaps
    ds = NABirds(root, split='test', **FAST)
    assert ds.class_ids == used
    names = dict(
        line.split(' ', 1)
        for line in read_lines(osp.join(root, 'classes.txt')))
    assert ds.CLASSES == tuple(names[str(c)] for c in used)
    # every image's label is the rank of its class id
    label_of = dict(
        line.split()
        for line in read_lines(osp.join(root, 'image_class_labels.txt')))
    path_of = dict(line.split()
                   for line in read_lines(osp.join(root, 'images.txt')))
    by_path = {
        osp.join(root, 'images', p): used.index(int(label_of[i]))
        for i, p in path_of.items()
    }
    for info in ds:
        assert info['gt_label'] == by_path[info['img_path']]


def test_nabirds_uuid_ids_and_zero_based_parts(nabirds):
    root = nabirds['data_root']
    first = read_lines(osp.join(root, 'images.txt'))[0].split()[0]
    assert len(first) == 36 and first.count('-') == 4
    assert read_lines(osp.join(root, 'parts', 'parts.txt'))[0] == '0 bill'
    ds = NABirds(root, split='train', **FAST)
    assert ds[0]['gt_keypoints'].shape == (1, 11, 3)
    locs = osp.join(root, 'parts', 'part_locs.txt')
    lineno = edit_line(locs, 0, read_lines(locs)[0].split()[0] + ' 11 1 1 1')
    with pytest.raises(
            DataError, match=f'line {lineno}: part id 11 is not '
            'in'):
        for split in ('train', 'test'):
            NABirds(root, split=split, **FAST)


def test_nabirds_label_not_in_classes(nabirds):
    path = osp.join(nabirds['data_root'], 'image_class_labels.txt')
    img = read_lines(path)[2].split()[0]
    lineno = edit_line(path, 2, f'{img} 5')
    with pytest.raises(
            DataError, match=rf'{path}, line {lineno}: class id '
            '5 is not in'):
        NABirds(nabirds['data_root'], split='train', **FAST)


# ---------------------------------------------------------------- Birdsnap
@pytest.fixture
def birdsnap(tmp_path):
    return make_birdsnap(str(tmp_path))


def test_birdsnap_header_parts_and_nulls(birdsnap):
    root = birdsnap['data_root']
    header = read_lines(osp.join(root, 'images.txt'))[0].split('\t')
    assert header[:8] == [
        'url', 'md5', 'path', 'species_id', 'bb_x1', 'bb_y1', 'bb_x2', 'bb_y2'
    ]
    assert len(header) == 8 + 2 * 17
    ds = Birdsnap(root, split='train', **FAST)
    assert ds.part_names[0] == 'back' and ds.part_names[-1] == 'throat'
    # rewrite the first image's parts: beak at (3, 4), the rest 'null'
    path = osp.join(root, 'images.txt')
    fields = read_lines(path)[1].split('\t')
    fields[8:] = ['null'] * 34
    fields[10:12] = ['3', '4']
    fields[12:14] = ['', 'NA']
    edit_line(path, 1, '\t'.join(fields))
    ds = Birdsnap(root, split='train', **FAST)
    parts = ds[0]['gt_keypoints'][0]
    expected = np.zeros((17, 3), np.float32)
    expected[1] = (3, 4, 1)
    np.testing.assert_array_equal(parts, expected)


def test_birdsnap_train_is_everything_not_in_test(birdsnap):
    root = birdsnap['data_root']
    listed = len(read_lines(osp.join(root, 'images.txt'))) - 1
    tests = read_lines(osp.join(root, 'test_images.txt'))
    assert tests[0] == 'path'
    train = Birdsnap(root, split='train', **FAST)
    test = Birdsnap(root, split='test', **FAST)
    assert len(train) + len(test) == listed
    assert len(test) == len(tests) - 1
    assert {
        osp.relpath(d['img_path'], osp.join(root, 'download', 'images'))
        for d in test
    } == set(tests[1:])


def test_birdsnap_errors(birdsnap):
    root = birdsnap['data_root']
    test_path = osp.join(root, 'test_images.txt')
    lines = read_lines(test_path)
    write_lines(test_path, lines + ['Nowhere/1.jpg'])
    with pytest.raises(
            DataError,
            match=rf'{test_path}, line {len(lines) + 1}'
            r": 1 test path\(s\) are not in .*'Nowhere/1.jpg'"):
        Birdsnap(root, split='train', **FAST)
    write_lines(test_path, lines)

    path = osp.join(root, 'images.txt')
    original = read_lines(path)
    edit_line(path, 0, original[0].replace('species_id', 'species'))
    with pytest.raises(
            DataError,
            match=r"line 1: the header lacks column\(s"
            r"\) \['species_id'\]"):
        Birdsnap(root, split='train', **FAST)
    write_lines(path, original)
    fields = original[3].split('\t')
    edit_line(path, 3, '\t'.join(fields[:-1]))
    with pytest.raises(
            DataError, match=f'{path}, line 4: 41 fields but the '
            'header has 42'):
        Birdsnap(root, split='test', **FAST)
    fields[4] = 'left'
    edit_line(path, 3, '\t'.join(fields))
    # (line 4 is a training image: its values are read for split='train')
    with pytest.raises(
            DataError, match="line 4: bb_x1 'left' is not a "
            'number'):
        Birdsnap(root, split='train', **FAST)
    fields[4], fields[3] = '1', '77'
    edit_line(path, 3, '\t'.join(fields))
    with pytest.raises(DataError, match='line 4: species_id 77 is not in'):
        Birdsnap(root, split='train', **FAST)


def test_birdsnap_failed_downloads_skipped(birdsnap):
    """get_birdsnap.py cannot fetch every Flickr image: by default the loader
    says which are missing; missing_images='skip' trains on the rest."""
    records = birdsnap['splits']['train']
    os.remove(records[0]['img_path'])
    with pytest.raises(FileNotFoundError, match='missing_images="skip"'):
        Birdsnap(birdsnap['data_root'], split='train', **FAST)
    ds = Birdsnap(
        birdsnap['data_root'], split='train', missing_images='skip', **FAST)
    assert [d['img_path'] for d in ds] == [r['img_path'] for r in records[1:]]
