"""tools/visualization/browse_dataset.py: a PNG grid of samples with their
boxes and parts drawn where the annotations say."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmfg.testing.idx_fixtures import make_mnist
from mmfg.visualization.annotations import (BOX_COLOR, PART_COLORS,
                                            draw_annotations, tile_images)
from ..conftest import REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'visualization', 'browse_dataset.py')
CLUTTERED = osp.join(REPO, 'configs', 'cluttered_fashion_mnist',
                     'lenetfc_1xb128_cluttered-fashion-mnist.py')
ORACLE = osp.join(REPO, 'configs', 'cluttered_fashion_mnist',
                  'lenetfc_1xb128_cluttered-fashion-mnist-oracle.py')


def test_draw_annotations_puts_marks_on_the_annotated_pixels():
    img = np.zeros((20, 30), np.uint8)
    out = draw_annotations(
        img,
        bboxes=[[2, 3, 12, 9]],
        keypoints=[[[20, 15, 1], [25, 5, 0]]],
        scale=3)
    assert out.shape == (60, 90, 3) and out.dtype == np.uint8
    # box x1..x2-1 = pixels 2..11 -> output pixels 6..35 (x), 9..26 (y)
    assert tuple(out[9, 6]) == BOX_COLOR and tuple(out[26, 35]) == BOX_COLOR
    assert tuple(out[18, 6]) == BOX_COLOR  # left edge
    assert tuple(out[18, 7]) == (0, 0, 0)  # inside stays black
    assert tuple(out[45, 60]) == PART_COLORS[0]  # visible: filled dot
    assert tuple(out[15, 75]) == (0, 0, 0)  # invisible: ring, empty centre
    assert tuple(out[15, 78]) == PART_COLORS[1]
    titled = draw_annotations(img, title='Coat')
    assert titled.shape[0] > 20 and titled.shape[1] == 30


def test_tile_images_layout():
    tiles = [np.full((4, 5, 3), k, np.uint8) for k in range(5)]
    grid = tile_images(tiles, ncols=2, pad=1)
    assert grid.shape == (3 * 5 + 1, 2 * 6 + 1, 3)
    assert (grid[1:5, 7:12] == 1).all() and (grid[11:15, 1:6] == 4).all()
    with pytest.raises(ValueError):
        tile_images([], 2)


@pytest.mark.parametrize('config,mode,size', [
    (CLUTTERED, 'original', 112 * 2),
    (ORACLE, 'transformed', 28 * 8),
])
def test_browse_dataset_writes_the_grid(tmp_path, config, mode, size):
    root = make_mnist(tmp_path / 'data')['data_root']
    out = tmp_path / 'grid.png'
    proc = run_tool([
        TOOL, config, '--phase', 'test', '--mode', mode, '-n', '6', '--ncols',
        '3', '--out',
        str(out), '--cfg-options', f'test_dataloader.dataset.data_root={root}'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '6 samples of ClutteredFashionMNIST' in proc.stdout
    grid = cv2.imread(str(out))
    # 2 rows x 3 columns of (title strip + size) x size tiles, 4 px pads
    assert grid.shape == (2 * (14 + size + 4) + 4, 3 * (size + 4) + 4, 3)
    # the green object boxes are drawn
    assert (grid == BOX_COLOR).all(-1).sum() > 6 * 4 * 20


def test_browse_dataset_bad_index(tmp_path):
    root = make_mnist(tmp_path / 'data')['data_root']
    proc = run_tool([
        TOOL, CLUTTERED, '--phase', 'test', '--indices', '0', '999', '--out',
        str(tmp_path / 'x.png'), '--cfg-options',
        f'test_dataloader.dataset.data_root={root}'
    ])
    assert proc.returncode == 1
    assert 'error: indices [999] are outside the test dataset' in proc.stderr
