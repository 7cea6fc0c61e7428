"""Proposal files: format validation, errors naming the file, round trip."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest

from mmfg.datasets.proposals import (dump_proposal_file, load_proposal_file,
                                     validate_proposals)
from mmfg.utils import DataError


def write_json(path, content):
    with open(path, 'w') as f:
        json.dump(content, f)
    return str(path)


def proposal_file(tmp_path, proposals, **header):
    content = dict(version=1, box_format='xyxy', proposals=proposals)
    content.update(header)
    return write_json(tmp_path / 'props.json', content)


@pytest.mark.parametrize('ext', ['.json', '.pkl'])
def test_round_trip_v1(tmp_path, ext):
    boxes = {
        'images/a/1.jpg': np.array([[1, 2, 30, 40, 0.9], [0, 0, 5.5, 6, -1]]),
        'images/b/2.jpg': [[3.25, 4, 10, 12, 0.5]],
        'images/c/3.jpg': [],  # no proposal for this image
    }
    path = str(tmp_path / f'props{ext}')
    dump_proposal_file(path, boxes)
    loaded = load_proposal_file(path)
    assert sorted(loaded) == sorted(boxes)
    for key, value in boxes.items():
        expected = np.asarray(value, np.float32).reshape(-1, 5)
        assert loaded[key].dtype == np.float32
        assert loaded[key].shape == expected.shape
        np.testing.assert_array_equal(loaded[key], expected)
    # the file itself is the documented format
    if ext == '.json':
        with open(path) as f:
            content = json.load(f)
        assert content['version'] == 1 and content['box_format'] == 'xyxy'
        assert content['proposals']['images/b/2.jpg'] == [[
            3.25, 4, 10, 12, 0.5
        ]]
    else:
        with open(path, 'rb') as f:
            assert pickle.load(f)['version'] == 1


def test_subset_by_keys_and_key_normalisation(tmp_path):
    path = proposal_file(tmp_path, {
        './x/1.jpg': [[0, 0, 1, 1, 1]],
        'x/2.jpg': [],
        'other/3.jpg': []
    })
    out = load_proposal_file(path, ['x/1.jpg', 'x/2.jpg'])
    assert list(out) == ['x/1.jpg', 'x/2.jpg']
    assert out['x/2.jpg'].shape == (0, 5)


def test_missing_images_reported(tmp_path):
    path = proposal_file(tmp_path, {'x/1.jpg': []})
    keys = [f'x/{i}.jpg' for i in range(1, 8)]
    with pytest.raises(DataError) as info:
        load_proposal_file(path, keys)
    msg = str(info.value)
    assert path in msg and 'no proposals for 6 of the 7 images' in msg
    assert "['x/2.jpg', 'x/3.jpg', 'x/4.jpg']" in msg
    assert "keys like ['x/1.jpg']" in msg


@pytest.mark.parametrize('content, message', [
    ([1, 2], 'the top level is a list, not a dict'),
    (dict(version=3, box_format='xyxy', proposals={}), 'version is 3'),
    (dict(version=True, box_format='xyxy', proposals={}), 'version is True'),
    (dict(box_format='xyxy', proposals={}), 'version is None'),
    (dict(version=1, box_format='xywh', proposals={}), "box_format is 'xywh'"),
    (dict(version=1, box_format='xyxy'), '"proposals" is missing'),
    (dict(version=1, box_format='xyxy', proposals=[[0, 0, 1, 1, 1]]),
     '"proposals" is missing or not a dict'),
])
def test_header_errors(tmp_path, content, message):
    path = write_json(tmp_path / 'bad.json', content)
    with pytest.raises(DataError) as info:
        load_proposal_file(path)
    assert path in str(info.value) and message in str(info.value)
    assert '"version": 2' in str(info.value)  # shows the expected format


@pytest.mark.parametrize('boxes, message', [
    ([[0, 0, 1, 1]], r'box 0 \(\[0, 0, 1, 1\]\) is not 5 numbers'),
    ([[0, 0, 1, 1, 1], [0, 0, 1, 1]], r'box 1 \(\[0, 0, 1, 1\]\) is not 5'),
    ([[0, 0, 1, 1, 'high']], 'is not 5 numbers'),
    ([5], r'box 0 \(5\) is not 5 numbers'),
    ([[0, 0, 1, 1, 0.5], [4, 0, 4, 1, 0.5]], r'box 1 .* x2 <= x1 or y2 <= '
     'y1'),
    ([[0, 3, 1, 2, 0.5]], 'x2 <= x1 or y2 <= y1'),
    ([[-1, 0, 1, 2, 0.5]], 'negative coordinate'),
    ([[0, 0, 1, float('nan'), 0.5]], 'non-finite value'),
])
def test_box_errors(tmp_path, boxes, message):
    path = proposal_file(tmp_path, {
        'img/1.jpg': [[0, 0, 2, 2, 1]],
        'img/2.jpg': boxes
    })
    with pytest.raises(
            DataError, match=f"{path}: image 'img/2.jpg': .*"
            f'{message}'):
        load_proposal_file(path)


def test_file_errors(tmp_path):
    missing = str(tmp_path / 'none.json')
    with pytest.raises(
            FileNotFoundError, match=f'proposal file {missing} '
            'not found'):
        load_proposal_file(missing)
    bad = tmp_path / 'broken.json'
    bad.write_text('{"version": 1, ')
    with pytest.raises(DataError, match=f'{bad}: cannot be read as json'):
        load_proposal_file(str(bad))
    other = tmp_path / 'props.txt'
    other.write_text('')
    with pytest.raises(DataError, match="unsupported extension '.txt'"):
        load_proposal_file(str(other))


def test_dump_validates_before_writing(tmp_path):
    path = str(tmp_path / 'sub' / 'out.json')
    with pytest.raises(DataError, match='negative coordinate'):
        dump_proposal_file(path, {'a.jpg': [[-3, 0, 1, 1, 1]]})
    assert not osp.exists(path)
    with pytest.raises(DataError, match='proposals must be a dict'):
        dump_proposal_file(path, [[0, 0, 1, 1, 1]])
    dump_proposal_file(path, {'a.jpg': np.zeros((0, 5))})
    assert load_proposal_file(path)['a.jpg'].shape == (0, 5)


def test_validate_accepts_numpy_arrays():
    out = validate_proposals(
        dict(
            version=1,
            box_format='xyxy',
            proposals={'a': np.array([[0, 0, 3, 4, 0.1]], np.float64)}), 'mem')
    assert out['a'].dtype == np.float32


# ---------------------------------------------------------------- version 2
def v2_file(tmp_path, proposals, sizes, name='v2.json'):
    return write_json(
        tmp_path / name,
        dict(
            version=2,
            box_format='xyxy',
            proposals=proposals,
            image_sizes=sizes))


@pytest.mark.parametrize('ext', ['.json', '.pkl'])
def test_round_trip_v2_with_sizes(tmp_path, ext):
    from mmfg.datasets.proposals import read_proposal_file
    boxes = {
        'c/train/0': np.array([[0, 0, 112, 112, 1.], [10, 20, 30, 40, .5]]),
        'c/train/1': [],
    }
    sizes = {'c/train/0': (112, 112), 'c/train/1': [100, 60]}
    path = str(tmp_path / f'v2{ext}')
    dump_proposal_file(path, boxes, image_sizes=sizes)
    loaded, got_sizes = read_proposal_file(path)
    assert got_sizes == {'c/train/0': (112., 112.), 'c/train/1': (100., 60.)}
    np.testing.assert_array_equal(loaded['c/train/0'], boxes['c/train/0'])
    assert loaded['c/train/1'].shape == (0, 5)
    if ext == '.json':
        with open(path) as f:
            content = json.load(f)
        assert content['version'] == 2
        assert content['image_sizes']['c/train/1'] == [100, 60]
    # empty entry: documented whole-image fallback, or refused
    whole = load_proposal_file(path, empty='whole_image')
    np.testing.assert_array_equal(whole['c/train/1'], [[0, 0, 60, 100, 0]])
    with pytest.raises(
            DataError, match=r"1 images have no proposals .*"
            r"c/train/1"):
        load_proposal_file(path, empty='error')


def test_v1_still_loads_but_has_no_sizes(tmp_path):
    from mmfg.datasets.proposals import read_proposal_file
    path = proposal_file(tmp_path, {'a': [[0, 0, 5, 5, 1]], 'b': []})
    boxes, sizes = read_proposal_file(path)
    assert sizes is None and boxes['a'].shape == (1, 5)
    with pytest.raises(
            DataError, match='needs the image sizes of a '
            'version-2 file'):
        load_proposal_file(path, empty='whole_image')


@pytest.mark.parametrize('props, sizes, message', [
    ({
        'a': [[0, 0, 113, 50, 1]]
    }, {
        'a': [112, 112]
    }, r"image 'a': box 0 \[0.0, 0.0, 113.0, 50.0, 1.0\] is outside the "
     r'image of size \[h, w\] = \[112, 112\]'),
    ({
        'a': [[0, 0, 50, 60.5, 1]]
    }, {
        'a': [60, 200]
    }, 'is outside the image'),
    ({
        'a': [[0, 0, 5, 5, 1]],
        'b': []
    }, {
        'a': [9, 9]
    }, "1 images have proposals but no image_sizes entry, e.g. \\['b'\\]"),
    ({
        'a': [[0, 0, 5, 5, 1]]
    }, {
        'a': [9]
    }, r'entry \[9\] is not \[h, w\]'),
    ({
        'a': [[0, 0, 5, 5, 1]]
    }, {
        'a': [0, 9]
    }, 'is not \\[h, w\\] with'),
    ({
        'a': [[0, 0, 5, 5, 1]]
    }, {
        'a': 'big'
    }, 'is not \\[h, w\\]'),
    ({
        'a': [[0, 0, 5, 5, 1]]
    }, None, '"image_sizes" \\(version 2\\) is '
     'missing'),
    ({
        'a': [[3, 0, 3, 5, 1]]
    }, {
        'a': [9, 9]
    }, 'x2 <= x1'),
])
def test_v2_errors(tmp_path, props, sizes, message):
    path = v2_file(tmp_path, props, sizes)
    with pytest.raises(DataError, match=message) as info:
        load_proposal_file(path)
    assert path in str(info.value)


def test_dump_v2_refuses_boxes_outside(tmp_path):
    path = str(tmp_path / 'o.json')
    with pytest.raises(DataError, match='is outside the image'):
        dump_proposal_file(
            path, {'a': [[0, 0, 70, 10, 1]]}, image_sizes={'a': (56, 56)})
    with pytest.raises(DataError, match='no image_sizes for 1 images'):
        dump_proposal_file(path, {'a': [[0, 0, 7, 10, 1]]}, image_sizes={})
    assert not osp.exists(path)


def test_wrong_image_set_is_refused(tmp_path):
    path = v2_file(tmp_path, {'cluttered/t10k/0': [[0, 0, 5, 5, 1]]},
                   {'cluttered/t10k/0': [112, 112]})
    with pytest.raises(
            DataError, match='does not match the dataset: none '
            'of its 1 keys'):
        load_proposal_file(path, ['cluttered/train/0', 'cluttered/train/1'])
