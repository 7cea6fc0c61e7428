"""Data integrity of every loader: an image listed twice, a path leading
outside data_root, an empty split, and annotations that do not fit the
decoded image (proposal-file sizes, boxes, visible parts) are refused with
a message naming the file (and line) instead of loading silently."""
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from mmfg.datasets.transforms import LoadImageFromFile
from mmfg.registry import DATASETS
from mmfg.testing import FIXTURES, make_proposal_file
from mmfg.utils import DataError


def fresh(tmp_path, dataset_type, **kwargs):
    return FIXTURES[dataset_type](str(tmp_path / 'data'), **kwargs)


def build(truth, split='train', **kwargs):
    kwargs.setdefault('serialize_data', False)
    return DATASETS.build(
        dict(
            type=truth['type'],
            data_root=truth['data_root'],
            split=split,
            **kwargs))


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return f.read().splitlines()


def write_lines(path, lines):
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def line_of(lines, predicate):
    """1-based number of the first line matching ``predicate``."""
    return next(i for i, ln in enumerate(lines, 1) if predicate(ln))


# --------------------------------------------------------------------------
# an image listed twice
# --------------------------------------------------------------------------
@pytest.mark.parametrize('dataset_type', ['CUB', 'NABirds'])
def test_repeated_image_id_refused_naming_both_lines(tmp_path, dataset_type):
    """A second line with the id of a test image and the path of another
    image would load that image with the test image's label and split."""
    truth = fresh(tmp_path, dataset_type)
    path = osp.join(truth['data_root'], 'images.txt')
    lines = read_lines(path)
    first_id = lines[1].split()[0]  # image 2 (a test image)
    other_rel = lines[0].split(None, 1)[1]
    write_lines(path, lines + [f'{first_id} {other_rel}'])
    for split in ('train', 'test'):
        with pytest.raises(DataError) as err:
            build(truth, split)
        msg = str(err.value)
        assert f'{path}, line {len(lines) + 1}: image id {first_id} ' \
            'appears again (first on line 2)' in msg, msg


@pytest.mark.parametrize('dataset_type', ['CUB', 'NABirds'])
def test_repeated_image_path_refused(tmp_path, dataset_type):
    """The same image under a new id (here spelt ``dir/./file``): it would
    be in both splits."""
    truth = fresh(tmp_path, dataset_type)
    root = truth['data_root']
    lines = read_lines(osp.join(root, 'images.txt'))
    img_id, rel = lines[0].split(None, 1)  # a train image
    new_id = '999' if dataset_type == 'CUB' else 'ffffffff-0000-4000-8000-1'
    folder, name = rel.split('/')
    write_lines(
        osp.join(root, 'images.txt'), lines + [f'{new_id} {folder}/./{name}'])
    for rel_file in ('image_class_labels.txt', 'train_test_split.txt'):
        mine = [
            ln for ln in read_lines(osp.join(root, rel_file))
            if ln.split()[0] == img_id
        ][0]
        flag = '0' if rel_file == 'train_test_split.txt' else mine.split()[1]
        write_lines(
            osp.join(root, rel_file),
            read_lines(osp.join(root, rel_file)) + [f'{new_id} {flag}'])
    with pytest.raises(
            DataError,
            match=rf'line {len(lines) + 1}: image path '
            rf'{re.escape(folder)}/\./.* appears again \(first on '
            r'line 1\)'):
        build(truth, 'test', with_parts=False, with_bbox=False)


def test_birdsnap_repeated_path(tmp_path):
    truth = fresh(tmp_path, 'Birdsnap')
    root = truth['data_root']
    path = osp.join(root, 'images.txt')
    lines = read_lines(path)
    write_lines(path, lines + [lines[2]])
    with pytest.raises(
            DataError,
            match=rf'{re.escape(path)}, line '
            rf'{len(lines) + 1}: image path .* appears again '
            r'\(first on line 3\)'):
        build(truth, 'train')
    write_lines(path, lines)
    test_path = osp.join(root, 'test_images.txt')
    tests = read_lines(test_path)
    write_lines(test_path, tests + [tests[1]])
    with pytest.raises(
            DataError,
            match=r'test_images.txt, line \d+: image '
            r'path .* appears again \(first on line 2\)'):
        build(truth, 'test')


def test_fgvc_aircraft_repeat_and_train_test_overlap(tmp_path):
    truth = fresh(tmp_path, 'FGVCAircraft')
    data = osp.join(truth['data_root'], 'data')
    train = osp.join(data, 'images_variant_train.txt')
    test = osp.join(data, 'images_variant_test.txt')
    lines = read_lines(train)
    write_lines(train, lines + [lines[0]])
    with pytest.raises(
            DataError,
            match=rf'line {len(lines) + 1}: image '
            r'\d+ appears again \(first on line 1\)'):
        build(truth, 'train')
    # a test image also in the training list (other label or not)
    test_line = read_lines(test)[0]
    write_lines(train, lines + [test_line])
    with pytest.raises(
            DataError,
            match=rf'{re.escape(train)}, line '
            rf'{len(lines) + 1}: image \d+ is also in '
            rf'{re.escape(test)} \(line 1\)'):
        build(truth, 'train')


def test_flowers_image_in_two_splits(tmp_path):
    truth = fresh(tmp_path, 'Flowers102')
    path = osp.join(truth['data_root'], 'setid.mat')
    setid = loadmat(path)
    tstid = setid['tstid'].ravel().tolist()
    trnid = setid['trnid'].ravel().tolist()
    setid['trnid'] = np.array(trnid + [tstid[0]], np.uint16).reshape(1, -1)
    savemat(path, {k: setid[k] for k in ('trnid', 'valid', 'tstid')})
    for split in ('train', 'test'):  # whichever split: the file is wrong
        with pytest.raises(
                DataError,
                match=rf'image number {tstid[0]} is listed twice, as '
                rf'trnid\[{len(trnid) + 1}\] and tstid\[1\]'):
            build(truth, split)


def test_stanford_cars_and_dogs_repeats(tmp_path):
    cars = FIXTURES['StanfordCars'](str(tmp_path / 'cars'), layout='car_ims')
    path = osp.join(cars['data_root'], 'cars_annos.mat')
    mat = loadmat(path)
    ann = mat['annotations']
    # the last (a test image) gets the file name of the first (train)
    ann[0, -1]['relative_im_path'] = ann[0, 0]['relative_im_path']
    savemat(path, dict(annotations=ann, class_names=mat['class_names']))
    with pytest.raises(
            DataError,
            match=rf'annotations 1 and {ann.shape[1]} '
            'both name image car_ims/000001.jpg'):
        build(cars, 'train')

    dogs = FIXTURES['StanfordDogs'](str(tmp_path / 'dogs'))
    path = osp.join(dogs['data_root'], 'lists', 'train_list.mat')
    mat = loadmat(path)
    files = mat['file_list']
    assert mat['labels'][1, 0] == mat['labels'][0, 0]
    files[1, 0] = files[0, 0]  # the same breed: the label check passes
    savemat(
        path,
        dict(
            file_list=files,
            annotation_list=mat['annotation_list'],
            labels=mat['labels']))
    with pytest.raises(
            DataError, match='entries 1 and 2 of '
            'file_list both name image'):
        build(dogs, 'train')


def test_inaturalist_repeated_image(tmp_path):
    truth = fresh(tmp_path, 'INaturalist2018')
    path = osp.join(truth['data_root'], 'train2018.json')
    with open(path) as f:
        content = json.load(f)
    images = content['images']
    images.append(dict(images[0], id=images[0]['id'] + 100000))
    content['annotations'].append(
        dict(
            id=images[-1]['id'],
            image_id=images[-1]['id'],
            category_id=content['annotations'][0]['category_id']))
    with open(path, 'w') as f:
        json.dump(content, f)
    with pytest.raises(
            DataError,
            match=rf'images\[0\] and '
            rf'images\[{len(images) - 1}\] have the same '
            'file_name'):
        build(truth, 'train')


def test_repeat_through_a_symbolic_link_is_caught_by_the_base(tmp_path):
    """Two spellings of one file that only the resolved paths reveal: the
    base class names both lines."""
    truth = fresh(tmp_path, 'CUB')
    root = truth['data_root']
    lines = read_lines(osp.join(root, 'images.txt'))
    img_id, rel = lines[0].split(None, 1)
    folder, name = rel.split('/')
    os.symlink(folder, osp.join(root, 'images', 'alias'))
    write_lines(osp.join(root, 'images.txt'), lines + [f'999 alias/{name}'])
    for rel_file, value in (('image_class_labels.txt', '1'),
                            ('train_test_split.txt', '1')):
        write_lines(
            osp.join(root, rel_file),
            read_lines(osp.join(root, rel_file)) + [f'999 {value}'])
    with pytest.raises(
            DataError,
            match=r'is listed twice for split '
            r"'train': .*images.txt, line 1 and .*images.txt, "
            rf'line {len(lines) + 1}'):
        build(truth, 'train', with_parts=False, with_bbox=False)


# --------------------------------------------------------------------------
# paths outside data_root
# --------------------------------------------------------------------------
def test_image_path_outside_data_root(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    root = truth['data_root']
    secret = tmp_path / 'secret.jpg'
    secret.write_bytes(b'not for the dataset')
    path = osp.join(root, 'images.txt')
    lines = read_lines(path)
    img_id = lines[0].split()[0]
    lines[0] = f'{img_id} ../../../secret.jpg'  # from data_root/images
    write_lines(path, lines)
    with pytest.raises(DataError) as err:
        build(truth, 'train', with_parts=False)
    msg = str(err.value)
    assert f'{path}, line 1: path ' in msg and 'secret.jpg leads outside ' \
        f'data_root {root}' in msg
    assert 'allow_paths_outside_root=True' in msg
    # the documented opt-out
    ds = build(truth, 'train', with_parts=False, allow_paths_outside_root=True)
    assert ds.get_data_info(0)['img_path'].endswith('secret.jpg')


def test_symlink_leading_outside_data_root(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    root = truth['data_root']
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    first = truth['splits']['train'][0]['img_path']
    os.replace(first, outside / 'moved.jpg')
    os.symlink(outside / 'moved.jpg', first)
    with pytest.raises(
            DataError,
            match=r'images.txt, line 1: path .* leads '
            rf'outside data_root .*\(it resolves to '
            rf'{re.escape(osp.realpath(outside))}/moved.jpg\)'):
        build(truth, 'train', with_parts=False)
    # data_root itself a symbolic link: every image is inside it
    link = tmp_path / 'link_root'
    os.symlink(root, link)
    os.replace(outside / 'moved.jpg', first + '.tmp')
    os.replace(first + '.tmp', first)
    ds = build(dict(truth, data_root=str(link)), 'train', with_parts=False)
    assert len(ds) == truth['counts']['train']


@pytest.mark.parametrize('dataset_type', ['INaturalist2018', 'StanfordDogs'])
def test_outside_paths_in_other_loaders(tmp_path, dataset_type):
    truth = fresh(tmp_path, dataset_type)
    root = truth['data_root']
    if dataset_type == 'INaturalist2018':
        path = osp.join(root, 'train2018.json')
        with open(path) as f:
            content = json.load(f)
        content['images'][1]['file_name'] = '../../../etc/hostname'
        with open(path, 'w') as f:
            json.dump(content, f)
        where = rf'{re.escape(path)}, images\[1\]: path .*/etc/hostname'
    else:  # the XML annotation read for a box
        path = osp.join(root, 'lists', 'train_list.mat')
        mat = loadmat(path)
        anns = mat['annotation_list']
        anns[1, 0] = np.array(['../../../../etc/hostname'])
        savemat(
            path,
            dict(
                file_list=mat['file_list'],
                annotation_list=anns,
                labels=mat['labels']))
        where = (rf'{re.escape(path)}, entry 2 of annotation_list: path '
                 r'.*/etc/hostname')
    with pytest.raises(DataError, match=where + ' leads outside data_root'):
        build(truth, 'train')


# --------------------------------------------------------------------------
# a split with no image
# --------------------------------------------------------------------------
def test_empty_split(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    root = truth['data_root']
    path = osp.join(root, 'train_test_split.txt')
    write_lines(path, [f'{ln.split()[0]} 0' for ln in read_lines(path)])
    for serialize in (True, False):
        with pytest.raises(DataError) as err:
            build(truth, 'train', serialize_data=serialize)
        msg = str(err.value)
        assert msg.startswith("CUB: split 'train' has no images"), msg
        assert path in msg and osp.join(root, 'images.txt') in msg
    aircraft = FIXTURES['FGVCAircraft'](str(tmp_path / 'air'))
    lst = osp.join(aircraft['data_root'], 'data', 'images_variant_val.txt')
    write_lines(lst, [])
    with pytest.raises(
            DataError,
            match=r"FGVCAircraft: split 'val' has no "
            rf'images .*{re.escape(lst)}'):
        build(aircraft, 'val', serialize_data=True)


def test_every_image_missing_with_skip(tmp_path):
    truth = fresh(tmp_path, 'Flowers102')
    for rec in truth['splits']['train']:
        os.remove(rec['img_path'])
    with pytest.raises(
            FileNotFoundError,
            match=r"none of the \d+ images "
            "listed for split 'train' is on disk"):
        build(truth, 'train', missing_images='skip')


# --------------------------------------------------------------------------
# coordinates: negative, outside the decoded image
# --------------------------------------------------------------------------
def test_negative_visible_part_refused_like_a_negative_box(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    path = osp.join(truth['data_root'], 'parts', 'part_locs.txt')
    lines = read_lines(path)
    n = line_of(lines, lambda ln: ln.split()[4] == '1')
    f = lines[n - 1].split()
    lines[n - 1] = f'{f[0]} {f[1]} -3.0 {f[3]} 1'
    write_lines(path, lines)
    errors = []
    for split in ('train', 'test'):  # the image is in one of them
        try:
            build(truth, split)
        except DataError as exc:
            errors.append(str(exc))
    assert len(errors) == 1, errors
    assert re.search(
        rf'{re.escape(path)}, line {n}: part {f[1]} of image {f[0]} is '
        r'visible at a negative position \(-3, ', errors[0]), errors
    # an invisible part's coordinates are not used
    lines[n - 1] = f'{f[0]} {f[1]} -3.0 {f[3]} 0'
    write_lines(path, lines)
    build(truth, 'train')
    build(truth, 'test')


def test_negative_box_origin_in_other_loaders(tmp_path):
    truth = fresh(tmp_path, 'FGVCAircraft')
    path = osp.join(truth['data_root'], 'data', 'images_box.txt')
    lines = read_lines(path)
    f = lines[0].split()
    lines[0] = f'{f[0]} -2 {f[2]} {f[3]} {f[4]}'
    write_lines(path, lines)
    errors = []
    for split in ('trainval', 'test'):  # the image is in one of them
        try:
            build(truth, split)
        except DataError as exc:
            errors.append(str(exc))
    assert len(errors) == 1, errors
    assert re.search(
        rf'{re.escape(path)}, line 1: box \[-2.0, .* has a negative '
        'coordinate', errors[0]), errors


def load(ds, i):
    """Item ``i`` through mmfg's LoadImageFromFile (what every pipeline
    starts with)."""
    return LoadImageFromFile()(ds.get_data_info(i))


def test_fixtures_fit_their_images(tmp_path):
    """No false alarm: every box and visible part of the fixtures (boxes in
    1-based pixels included) fits its decoded image."""
    for dataset_type in ('CUB', 'NABirds', 'Birdsnap', 'StanfordCars',
                         'StanfordDogs', 'FGVCAircraft'):
        truth = FIXTURES[dataset_type](str(tmp_path / dataset_type))
        ds = build(truth, 'train')
        for i in range(len(ds)):
            assert load(ds, i)['img'] is not None


def test_visible_part_outside_the_image(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    rec = truth['splits']['train'][0]
    w = load(build(truth, 'train'), 0)['img'].shape[1]
    path = osp.join(truth['data_root'], 'parts', 'part_locs.txt')
    lines = read_lines(path)
    img_id = read_lines(osp.join(truth['data_root'],
                                 'images.txt'))[0].split()[0]
    n = line_of(lines,
                lambda ln: ln.split()[0] == img_id and ln.split()[1] == '1')
    lines[n - 1] = f'{img_id} 1 {w + 20}.0 3.0 1'
    write_lines(path, lines)
    ds = build(truth, 'train')
    with pytest.raises(DataError) as err:
        load(ds, 0)
    msg = str(err.value)
    assert msg.startswith(
        f'gt_keypoints of image {rec["img_path"]}: part '
        "index 0 (0-based, in the order of the dataset's "
        f'parts) is visible at (x, y) = ({w + 20}, 3), outside '
        'the decoded image of size [h, w] = ['), msg
    # the same point invisible: fine
    lines[n - 1] = f'{img_id} 1 {w + 20}.0 3.0 0'
    write_lines(path, lines)
    load(build(truth, 'train'), 0)


def test_box_outside_the_image(tmp_path):
    truth = fresh(tmp_path, 'StanfordDogs')
    rec = truth['splits']['train'][0]
    ds = build(truth, 'train')
    h, w = load(ds, 0)['img'].shape[:2]
    xml = osp.join(truth['data_root'], 'Annotation',
                   rec['img_path'].split(os.sep)[-2],
                   osp.splitext(osp.basename(rec['img_path']))[0])
    with open(xml) as f:
        text = f.read()
    text = re.sub(r'<xmax>\d+</xmax>', f'<xmax>{w + 5}</xmax>', text, count=1)
    with open(xml, 'w') as f:
        f.write(text)
    with pytest.raises(
            DataError,
            match=rf'gt_bboxes of image '
            rf'{re.escape(rec["img_path"])}: box 0 \[.*, '
            rf'{w + 5}.0, .*\] is outside the decoded image of '
            rf'size \[h, w\] = \[{h}, {w}\]'):
        load(build(truth, 'train'), 0)


def test_proposal_sizes_checked_against_the_decoded_image(tmp_path):
    truth = fresh(tmp_path, 'CUB')
    ds = build(truth, 'train')
    good = str(tmp_path / 'good.json')
    make_proposal_file(good, ds, sizes='true')
    ds_good = build(truth, 'train', proposal_file=good)
    for i in range(len(ds_good)):
        load(ds_good, i)
    bad = str(tmp_path / 'doubled.json')
    make_proposal_file(bad, ds, sizes='doubled')
    ds_bad = build(truth, 'train', proposal_file=bad)
    h, w = load(ds_good, 0)['img'].shape[:2]
    with pytest.raises(DataError) as err:
        load(ds_bad, 0)
    msg = str(err.value)
    img = truth['splits']['train'][0]['img_path']
    assert msg.startswith(
        f'proposal file {bad}: image_sizes gives [h, w] = [{2 * h}, {2 * w}] '
        f'for image {img}, but the decoded image is [{h}, {w}]'), msg


def test_version1_proposal_box_outside_the_decoded_image(tmp_path):
    from mmfg.datasets.proposals import dump_proposal_file
    truth = fresh(tmp_path, 'CUB')
    ds = build(truth, 'train')
    keys = ds.proposal_keys()
    h, w = load(ds, 1)['img'].shape[:2]
    path = str(tmp_path / 'v1.json')
    dump_proposal_file(
        path,
        dict({k: [[1, 1, 5, 5, 0.5]]
              for k in keys}, **{keys[1]: [[1, 1, w + 10, 5, 0.5]]}))
    ds = build(truth, 'train', proposal_file=path)
    load(ds, 0)
    with pytest.raises(
            DataError,
            match=rf'proposal file {re.escape(path)}: '
            rf'box 0 \[1.0, 1.0, {w + 10}.0, 5.0, 0.5\] of image '
            r'.* is outside the decoded image'):
        load(ds, 1)


def test_annotation_tolerance_is_the_larger_of_1px_and_2_percent():
    """A hand-drawn box or part a few pixels past the edge (within 2% of
    the side) is accepted and later clipped; past that it is refused."""
    from mmfg.datasets.transforms.coords import check_inside_decoded
    img = np.zeros((100, 300, 3), np.uint8)  # tolerance x: 6 px, y: 2 px
    ok = dict(
        img=img,
        img_path='a.jpg',
        gt_bboxes=np.array([[-5., -1.5, 305.5, 101.9]], np.float32),
        gt_keypoints=np.array([[[305., 101., 1.]]], np.float32))
    check_inside_decoded(ok)
    for boxes in ([[0., 0., 306.5, 50.]], [[0., -2.5, 10., 10.]]):
        with pytest.raises(DataError, match='outside the decoded image'):
            check_inside_decoded(
                dict(
                    img=img,
                    img_path='a.jpg',
                    gt_bboxes=np.array(boxes, np.float32)))
    with pytest.raises(DataError, match='part index 0'):
        check_inside_decoded(
            dict(
                img=img,
                img_path='a.jpg',
                gt_keypoints=np.array([[[10., 102.5, 1.]]], np.float32)))
    # an invisible part far outside is not an error
    check_inside_decoded(
        dict(
            img=img,
            img_path='a.jpg',
            gt_keypoints=np.array([[[900., 900., 0.]]], np.float32)))
