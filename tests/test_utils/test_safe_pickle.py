"""mmfg.utils.safe_pickle: pickles of data load (every protocol, Python-2
style CIFAR batches); anything that names another global is refused before
it runs (marker file absent), naming the file and the global; the proposal
files and CIFAR-10 batches of every dataset are read through it."""
import collections
import os.path as osp
import pickle

import numpy as np
import pytest

from mmfg.utils import DataError
from mmfg.utils.safe_pickle import (UnsafePickleError, load_data_pickle,
                                    restricted_loads)
from ..crafted_payloads import ReducePayload


def _data():
    return {
        'version': 2,
        'proposals': {
            'a.jpg': np.arange(10, dtype=np.float32).reshape(2, 5),
            'b.jpg': [[0.0, 0.0, 1.0, 1.0, 0.5]],
            'c.jpg': np.zeros((0, 5), np.float32)
        },
        'raw': (b'\x00\xffbytes', b''),
        'names': np.array(['ab', 'c']),
        'scalars': (np.float64(1.5), np.int64(-3), np.bool_(True), 1 + 2j),
        'sets': (set([1, 2]), frozenset(['x'])),
        'ordered': collections.OrderedDict(b=1, a=2),
        'buffer': (bytearray(b'q'), bytearray()),
    }


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_data_loads_with_every_protocol(protocol):
    data = _data()
    out = restricted_loads(pickle.dumps(data, protocol=protocol))
    np.testing.assert_array_equal(out['proposals']['a.jpg'],
                                  data['proposals']['a.jpg'])
    assert out['proposals']['a.jpg'].dtype == np.float32
    assert out['proposals']['c.jpg'].shape == (0, 5)
    assert out['raw'] == data['raw'] and out['buffer'] == data['buffer']
    assert list(out['names']) == ['ab', 'c']
    assert out['scalars'] == data['scalars']
    assert out['sets'] == data['sets']
    assert list(out['ordered'].items()) == [('b', 1), ('a', 2)]


@pytest.mark.parametrize('payload, refused', [
    ('reduce', 'posix.system'),
    (collections.Counter(a=1), 'collections.Counter'),
    (np.array([1, None], dtype=object), "dtype('O')"),
    (np.ma.array([1, 2]), 'numpy.ma.core._mareconstruct'),
    (DataError('x'), 'mmfg.utils.errors.DataError'),
])
def test_anything_else_is_refused_before_it_runs(tmp_path, payload, refused):
    marker = tmp_path / 'marker'
    if isinstance(payload, str):
        payload = ReducePayload(marker)
    raw = pickle.dumps({'proposals': {'a': payload}}, protocol=2)
    with pytest.raises(UnsafePickleError, match='refused to unpickle') as err:
        restricted_loads(raw)
    assert refused in str(err.value)
    with pytest.raises(DataError) as err:
        load_data_pickle(raw, 'props.pkl', what='proposal file')
    msg = str(err.value)
    assert msg.startswith('proposal file props.pkl: refused to unpickle')
    assert refused in msg and 'JSON' in msg
    assert not marker.exists()


def test_proposal_pickle_is_read_as_data_only(tmp_path):
    from mmfg.datasets.proposals import dump_proposal_file, read_proposal_file
    good = str(tmp_path / 'good.pkl')
    boxes = {'img/1.jpg': np.array([[1, 2, 3, 4, 0.5]], np.float32)}
    dump_proposal_file(good, boxes, image_sizes={'img/1.jpg': (10, 10)})
    got, sizes = read_proposal_file(good)
    np.testing.assert_array_equal(got['img/1.jpg'], boxes['img/1.jpg'])
    assert sizes == {'img/1.jpg': (10, 10)}
    marker = tmp_path / 'marker'
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(
        pickle.dumps(dict(version=1, proposals=ReducePayload(marker))))
    with pytest.raises(
            DataError,
            match=r'proposal file .*bad\.pkl: '
            r'refused to unpickle posix\.system .*\.json'):
        read_proposal_file(str(bad))
    assert not marker.exists()


def test_cifar_batches_are_read_as_data_only(tmp_path):
    from mmfg.datasets import CIFAR10
    from mmfg.testing.fgvc_fixtures import make_cifar10
    root = make_cifar10(
        str(tmp_path / 'data'), images_per_class=2)['data_root']
    assert len(CIFAR10(data_root=root, split='test', pipeline=[])) == 10
    marker = tmp_path / 'marker'
    batch = osp.join(root, 'cifar-10-batches-py', 'test_batch')
    with open(batch, 'rb') as f:
        content = pickle.load(f, encoding='bytes')
    content[b'labels'] = ReducePayload(marker)
    with open(batch, 'wb') as f:
        pickle.dump(content, f, protocol=2)
    with pytest.raises(
            DataError,
            match=r'CIFAR-10 batch file .*test_batch: '
            r'refused to unpickle posix\.system'):
        CIFAR10(data_root=root, split='test', pipeline=[])
    assert not marker.exists()
