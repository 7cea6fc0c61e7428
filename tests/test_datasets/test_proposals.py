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
def test_round_trip(tmp_path, ext):
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
    (dict(version=2, box_format='xyxy', proposals={}), 'version is 2'),
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
    assert '"version": 1' in str(info.value)  # shows the expected format


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
