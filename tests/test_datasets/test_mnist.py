"""MNIST / FashionMNIST: idx parsing, the split pitfall, clear errors."""
import gzip
import os

import numpy as np
import pytest

from mmfg.datasets import MNIST, FashionMNIST
from mmfg.datasets.mnist import read_idx
from mmfg.utils import DataError


def write_idx(path, array, gz=False):
    """Write an idx file by hand from its specification (big-endian dims)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    opener = gzip.open if gz else open
    with opener(path, 'wb') as f:
        f.write(header + array.tobytes())


@pytest.fixture
def tiny_root(tmp_path):
    rng = np.random.default_rng(0)
    train_x = rng.integers(0, 255, (7, 28, 28))
    test_x = rng.integers(0, 255, (3, 28, 28))
    write_idx(tmp_path / 'train-images-idx3-ubyte', train_x)
    write_idx(tmp_path / 'train-labels-idx1-ubyte', [0, 1, 2, 3, 4, 5, 9])
    write_idx(tmp_path / 't10k-images-idx3-ubyte.gz', test_x, gz=True)
    write_idx(tmp_path / 't10k-labels-idx1-ubyte.gz', [7, 8, 9], gz=True)
    return tmp_path, train_x, test_x


def test_split_selects_files(tiny_root):
    root, train_x, test_x = tiny_root
    train = FashionMNIST(str(root), split='train')
    test = FashionMNIST(str(root), split='test')
    assert len(train) == 7 and len(test) == 3
    assert [d['gt_label'] for d in test] == [7, 8, 9]
    np.testing.assert_array_equal(test[0]['img'], test_x[0])
    np.testing.assert_array_equal(train[6]['img'], train_x[6])
    assert test.test_mode and not train.test_mode
    assert train.metainfo['classes'][9] == 'Ankle boot'


def test_missing_root_names_layout(tmp_path):
    with pytest.raises(
            FileNotFoundError,
            match=r'does not exist.*t10k-images-idx3-ubyte'
            r'.*dataset-fashion-mnist'):
        FashionMNIST(str(tmp_path / 'nope'), split='test')


def test_missing_file_named(tiny_root):
    root = tiny_root[0]
    os.remove(root / 'train-labels-idx1-ubyte')
    with pytest.raises(
            FileNotFoundError, match='train-labels-idx1-ubyte.*not found'):
        MNIST(str(root), split='train')


def test_malformed_files(tiny_root, tmp_path):
    root = tiny_root[0]
    (root / 'train-labels-idx1-ubyte').write_bytes(b'\x00\x00\x0d\x01junk')
    with pytest.raises(DataError, match='bad magic'):
        FashionMNIST(str(root), split='train')
    bad = tmp_path / 'short'
    write_idx(bad, np.zeros((4, 2, 2)))
    bad.write_bytes(bad.read_bytes()[:-3])
    with pytest.raises(DataError, match='truncated'):
        read_idx(str(bad))


def test_count_mismatch_and_label_range(tiny_root):
    root = tiny_root[0]
    write_idx(root / 'train-labels-idx1-ubyte', [0, 1])
    with pytest.raises(DataError, match='expected'):
        FashionMNIST(str(root), split='train')
    write_idx(root / 'train-labels-idx1-ubyte', [0, 1, 2, 3, 4, 5, 10])
    with pytest.raises(DataError, match='label 10'):
        FashionMNIST(str(root), split='train')


def test_bad_split(tiny_root):
    with pytest.raises(ValueError, match='split must be one of'):
        FashionMNIST(str(tiny_root[0]), split='val')


def test_real_fashion_mnist(fashion_mnist_root):
    """Official facts of Fashion-MNIST: 60k/10k images, 6000/1000 per class,
    and test != train (the mmpretrain split pitfall)."""
    train = FashionMNIST(fashion_mnist_root, split='train')
    test = FashionMNIST(fashion_mnist_root, split='test')
    assert (len(train), len(test)) == (60000, 10000)
    test_labels = np.array(test.get_gt_labels())
    np.testing.assert_array_equal(np.bincount(test_labels), [1000] * 10)
    np.testing.assert_array_equal(
        np.bincount(np.array(train.get_gt_labels())), [6000] * 10)
    assert test[0]['img'].shape == (28, 28)
    assert not np.array_equal(test[0]['img'], train[0]['img'])


def test_pre_pipeline_equals_the_same_transforms_in_pipeline(tmp_path):
    """``pre_pipeline`` (applied once at build time) gives byte-identical
    inputs and the same metainfo as the same deterministic transforms at the
    head of ``pipeline``, random transforms after them included."""
    import torch
    from mmengine.registry import DefaultScope

    from mmfg.registry import DATASETS
    from mmfg.testing.idx_fixtures import make_mnist
    from mmfg.utils import ConfigError, register_all_modules
    register_all_modules()
    root = make_mnist(tmp_path, images_per_class=3)['data_root']
    pre = [
        dict(type='Resize', scale=32, interpolation='bicubic'),
        dict(type='LowResolution', size=8)
    ]
    tail = [
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackInputs')
    ]
    with DefaultScope.overwrite_default_scope('mmfg'):
        a = DATASETS.build(
            dict(
                type='FashionMNIST',
                data_root=root,
                split='train',
                pipeline=pre + tail))
        b = DATASETS.build(
            dict(
                type='FashionMNIST',
                data_root=root,
                split='train',
                pre_pipeline=pre,
                pipeline=tail))
        for i in range(len(a)):
            np.random.seed(i)
            x = a[i]
            np.random.seed(i)
            y = b[i]
            assert torch.equal(x['inputs'], y['inputs'])
            assert x['inputs'].shape[-2:] == (32, 32)
            assert x['data_samples'].metainfo == y['data_samples'].metainfo
        with pytest.raises(ConfigError, match='deterministic'):
            DATASETS.build(
                dict(
                    type='FashionMNIST', data_root=root,
                    pre_pipeline=tail[:1]))
