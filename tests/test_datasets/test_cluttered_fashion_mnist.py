"""ClutteredFashionMNIST: deterministic composition, boxes and parts checked
against an independent re-paste, the right source files, clear errors."""
import os

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmfg.datasets import ClutteredFashionMNIST
from mmfg.testing.idx_fixtures import write_idx
from mmfg.utils import ConfigError, register_all_modules

NUM_CLASSES = 10


def _items(rng, n):
    """(n, 28, 28) items: a bright rectangle of random size and place each
    (zero background, as Fashion-MNIST), and their labels."""
    imgs = np.zeros((n, 28, 28), np.uint8)
    for img in imgs:
        h, w = rng.integers(4, 27, 2)
        y, x = rng.integers(0, 28 - h + 1), rng.integers(0, 28 - w + 1)
        img[y:y + h, x:x + w] = rng.integers(1, 256, (h, w))
    labels = np.arange(n) % NUM_CLASSES
    return imgs, labels


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    path = tmp_path_factory.mktemp('fashion_mnist')
    rng = np.random.default_rng(0)
    data = {}
    for split, (img_file, label_file, n, gz) in dict(
            train=('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 40,
                   False),
            test=('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 20,
                  True)).items():
        imgs, labels = _items(rng, n)
        suffix = '.gz' if gz else ''
        write_idx(os.path.join(path, img_file + suffix), imgs, gz=gz)
        write_idx(os.path.join(path, label_file + suffix), labels, gz=gz)
        data[split] = (imgs, labels)
    return str(path), data


def _repaste(src, placement, canvas_size):
    """The object alone on a blank canvas, pasted independently of the
    dataset's code (cv2 bilinear resize, non-zero pixels)."""
    (h, w), (x, y) = placement['obj_size'], placement['obj_xy']
    obj = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((canvas_size, canvas_size), np.uint8)
    canvas[y:y + h, x:x + w] = obj
    return canvas


def test_same_index_same_sample(root):
    data_root, _ = root
    a = ClutteredFashionMNIST(data_root, split='train')
    b = ClutteredFashionMNIST(data_root, split='train', indices=[5, 3])
    for i in range(len(a)):
        x, y = a.get_data_info(i), a.get_data_info(i)
        assert x['img'].tobytes() == y['img'].tobytes()
    # a subset holds the same samples as the full split
    for j, i in enumerate([5, 3]):
        x, y = a.get_data_info(i), b.get_data_info(j)
        assert x['img'].tobytes() == y['img'].tobytes()
        assert x['gt_bboxes'].tobytes() == y['gt_bboxes'].tobytes()
        assert x['gt_keypoints'].tobytes() == y['gt_keypoints'].tobytes()
    # the seed and the split change the composition
    c = ClutteredFashionMNIST(data_root, split='train', seed=1)
    assert any(
        a.get_data_info(i)['img'].tobytes() != c.get_data_info(i)
        ['img'].tobytes() for i in range(5))
    test = ClutteredFashionMNIST(data_root, split='test')
    assert any(
        repr(a.placement(i)) != repr(test.placement(i)) for i in range(5))


def test_same_sample_in_worker_processes(root):
    """Samples made by two DataLoader worker processes (and sent back
    through the inline tensor path) equal those made in this process."""
    register_all_modules()
    data_root, _ = root
    ds = ClutteredFashionMNIST(
        data_root, split='test', pipeline=[dict(type='PackFGInputs')])
    order = [7, 0, 13, 2, 19, 4, 11, 8]
    loader = torch.utils.data.DataLoader(
        ds,
        batch_size=2,
        num_workers=2,
        sampler=order,
        collate_fn=pseudo_collate)
    got = [(x, s) for b in loader
           for x, s in zip(b['inputs'], b['data_samples'])]
    assert len(got) == len(order)
    for i, (inputs, sample) in zip(order, got):
        ref = ds.get_data_info(i)
        assert inputs.dtype == torch.uint8 and inputs.shape == (1, 112, 112)
        assert inputs[0].numpy().tobytes() == ref['img'].tobytes()
        assert sample.gt_bboxes.numpy().tobytes() == \
            ref['gt_bboxes'].tobytes()
        assert sample.gt_keypoints.numpy().tobytes() == \
            ref['gt_keypoints'].tobytes()
        assert int(sample.gt_label) == ref['gt_label']


@pytest.mark.parametrize('split', ['train', 'test'])
def test_box_holds_exactly_the_pasted_object(root, split):
    data_root, data = root
    imgs, labels = data[split]
    ds = ClutteredFashionMNIST(data_root, split=split, canvas_size=80)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        p = ds.placement(i)
        (h, w), (x, y) = p['obj_size'], p['obj_xy']
        assert 28 <= h <= 56 and h == w
        assert 0 <= x <= 80 - w and 0 <= y <= 80 - h
        alone = _repaste(imgs[i], p, 80)
        ys, xs = np.nonzero(alone)
        box = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        np.testing.assert_array_equal(info['gt_bboxes'], [box])
        assert info['gt_bboxes'].dtype == np.float32
        # the object is on top: its pixels are in the cluttered canvas
        np.testing.assert_array_equal(info['img'][alone > 0], alone[alone > 0])
        np.testing.assert_array_equal(
            ds.compose(i, clutter=False)['img'], alone)
        # clutter: fragments of images of other classes
        frags = p['distractors']
        assert frags.shape == (8, 5)
        assert (labels[frags[:, 0]] != labels[i]).all()
        assert (frags[:, 1:3] <= 28 - 14).all()
        assert (frags[:, 3:] <= 80 - 14).all() and (frags >= 0).all()
        assert info['gt_label'] == labels[i]


def test_parts_are_grid_centres_inside_the_box(root):
    data_root, data = root
    imgs = data['train'][0]
    ds = ClutteredFashionMNIST(data_root, split='train')
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        (x1, y1, x2, y2), = info['gt_bboxes']
        pts = info['gt_keypoints']
        assert pts.shape == (1, 4, 3) and pts.dtype == np.float32
        assert len(ds.PART_NAMES) == 4
        px, py, vis = pts[0].T
        assert ((px >= x1) & (px <= x2) & (py >= y1) & (py <= y2)).all()
        xm, ym = (x1 + x2) // 2, (y1 + y2) // 2
        np.testing.assert_allclose(px, [(x1 + xm) / 2, (xm + x2) / 2] * 2)
        np.testing.assert_allclose(py,
                                   [(y1 + ym) / 2] * 2 + [(ym + y2) / 2] * 2)
        alone = _repaste(imgs[i], ds.placement(i), 112) > 0
        cells = [(y1, ym, x1, xm), (y1, ym, xm, x2), (ym, y2, x1, xm),
                 (ym, y2, xm, x2)]
        expected = [
            float(alone[int(a):int(b), int(c):int(d)].any())
            for a, b, c, d in cells
        ]
        np.testing.assert_array_equal(vis, expected)


@pytest.mark.parametrize('split', ['train', 'test'])
def test_samples_come_from_the_split_files(root, split):
    """At scale 1 and without clutter the object is the source image
    itself, pixel for pixel, and keeps its label."""
    data_root, data = root
    imgs, labels = data[split]
    ds = ClutteredFashionMNIST(data_root, split=split, scale_range=(1, 1))
    assert len(ds) == len(imgs)
    assert ds.test_mode == (split == 'test')
    for i in range(len(ds)):
        (x, y) = ds.placement(i)['obj_xy']
        canvas = ds.compose(i, clutter=False)['img']
        np.testing.assert_array_equal(canvas[y:y + 28, x:x + 28], imgs[i])
        assert canvas.sum() == imgs[i].sum()
        assert ds.get_data_info(i)['gt_label'] == labels[i]


def test_transforms_carry_the_fields(root):
    register_all_modules()
    data_root, _ = root
    ds = ClutteredFashionMNIST(
        data_root,
        split='test',
        pipeline=[
            dict(type='CropToBBox'),
            dict(type='Resize', scale=(28, 28), keep_ratio=False),
            dict(type='PackFGInputs')
        ])
    out = ds[0]
    assert out['inputs'].shape == (1, 28, 28)
    np.testing.assert_allclose(out['data_samples'].gt_bboxes.numpy(),
                               [[0, 0, 28, 28]])
    kp = out['data_samples'].gt_keypoints.numpy()
    assert kp.shape == (1, 4, 3) and (kp[..., :2] <= 28).all()
    plain = ClutteredFashionMNIST(
        data_root, split='test', with_bbox=False, with_parts=False)
    info = plain.get_data_info(0)
    assert 'gt_bboxes' not in info and 'gt_keypoints' not in info


def test_bad_arguments_name_the_problem(root, tmp_path):
    data_root, _ = root
    with pytest.raises(
            ConfigError,
            match='canvas_size=50 is smaller than '
            'the largest object.*56'):
        ClutteredFashionMNIST(data_root, canvas_size=50)
    with pytest.raises(ValueError, match="split must be one of.*'val'"):
        ClutteredFashionMNIST(data_root, split='val')
    with pytest.raises(ConfigError, match='scale_range'):
        ClutteredFashionMNIST(data_root, scale_range=(2, 1))
    with pytest.raises(ConfigError, match='distractor_size=30'):
        ClutteredFashionMNIST(data_root, distractor_size=30)
    with pytest.raises(ConfigError, match='num_distractors'):
        ClutteredFashionMNIST(data_root, num_distractors=-1)
    with pytest.raises(
            FileNotFoundError,
            match='does not exist.*train-images-idx3-ubyte'):
        ClutteredFashionMNIST(str(tmp_path / 'nope'))
    os.symlink(
        os.path.join(data_root, 'train-images-idx3-ubyte'),
        tmp_path / 'train-images-idx3-ubyte')
    with pytest.raises(
            FileNotFoundError, match='train-labels-idx1-ubyte.*not found'):
        ClutteredFashionMNIST(str(tmp_path))


def test_workers_send_small_tensors_inline():
    """Idx datasets make their DataLoader workers pickle small tensors by
    value (mmfg.datasets.mnist.inline_small_tensors): a small tensor
    round-trips as an equal, writable, unshared tensor; large ones keep
    PyTorch's shared-memory reduction."""
    import pickle

    from torch.multiprocessing.reductions import reduce_tensor

    from mmfg.datasets.mnist import INLINE_TENSOR_BYTES, _reduce_small_tensor
    small = torch.arange(12, dtype=torch.uint8).reshape(3, 4)[:, 1:]
    fn, args = _reduce_small_tensor(small)
    back = fn(*pickle.loads(pickle.dumps(args)))
    assert torch.equal(back, small) and back.dtype == torch.uint8
    assert not back.is_shared()
    back += 1  # writable
    big = torch.zeros(INLINE_TENSOR_BYTES // 4 + 1)
    assert _reduce_small_tensor(big)[0] is reduce_tensor(big)[0]
    half = torch.zeros(3, dtype=torch.bfloat16)  # numpy has no bfloat16
    assert _reduce_small_tensor(half)[0] is reduce_tensor(half)[0]


@pytest.mark.parametrize('split,size', [('train', 60000), ('test', 10000)])
def test_real_fashion_mnist_splits(fashion_mnist_root, split, size):
    """On the real files: one sample per source image of the split, its
    label, and the source image itself as the object."""
    from mmfg.datasets import FashionMNIST
    plain = FashionMNIST(fashion_mnist_root, split=split)
    ds = ClutteredFashionMNIST(fashion_mnist_root, split=split)
    assert len(ds) == len(plain) == size
    for i in (0, 1, size // 2, size - 1):
        src = plain.get_data_info(i)
        info = ds.get_data_info(i)
        assert info['gt_label'] == src['gt_label']
        alone = _repaste(src['img'], ds.placement(i), 112)
        np.testing.assert_array_equal(
            ds.compose(i, clutter=False)['img'], alone)
