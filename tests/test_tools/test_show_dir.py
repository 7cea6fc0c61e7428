"""tools/test.py --show-dir writes readable pictures (FGVisualizer): the
28x28 Fashion-MNIST inputs enlarged pixel-exactly to 448x448 with the
top-k panel beside them, checked against the idx file read here."""
import os.path as osp
import runpy

import numpy as np
import torch
from PIL import Image

from ..conftest import REPO, run_tool

TEST = osp.join(REPO, 'tools', 'test.py')
CFG28 = osp.join(REPO, 'configs', 'cluttered_fashion_mnist',
                 'lenetfc_1xb128_fashion-mnist.py')
ROIALIGN = osp.join(
    REPO, 'configs', 'focus_longer',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals-roialign.py'
)


def raw_test_images(root, n):
    """The first ``n`` (28, 28) uint8 images of the idx test file."""
    with open(osp.join(root, 't10k-images-idx3-ubyte'), 'rb') as f:
        data = np.frombuffer(f.read(16 + n * 28 * 28), np.uint8)
    return data[16:].reshape(n, 28, 28)


def test_show_dir_writes_enlarged_pictures(tmp_path, fashion_mnist_root):
    from mmfg.apis.model import init_model
    from mmfg.utils import register_all_modules
    register_all_modules()
    ckpt = tmp_path / 'random.pth'
    model = init_model(CFG28)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    show = tmp_path / 'show'
    proc = run_tool([
        TEST, CFG28,
        str(ckpt), '--work-dir',
        str(tmp_path / 'work'), '--show-dir',
        str(show), '--cfg-options', 'test_dataloader.dataset.indices=4',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    raw = raw_test_images(fashion_mnist_root, 4)
    for i in range(4):
        pic = np.asarray(Image.open(show / f'{i}_0.png').convert('RGB'))
        assert min(pic.shape[:2]) >= 448, pic.shape
        assert pic.shape[1] > 448 + 200  # the top-k panel beside
        expected = np.kron(raw[i], np.ones((16, 16), np.uint8))
        for c in range(3):
            np.testing.assert_array_equal(pic[:448, :448, c], expected)
        # the panel holds dark text
        assert (pic[:, 448:].max(axis=2) < 100).sum() > 500


def _merged(config, *extra):
    tool = runpy.run_path(TEST)
    from mmfg.engine.config_checks import load_config
    args = tool['parse_args']([config, 'ckpt.pth', *extra])
    return tool['merge_args'](load_config(config), args)


def test_show_dir_switches_the_visualizer(tmp_path):
    cfg = _merged(CFG28, '--show-dir', str(tmp_path))
    assert cfg.visualizer.type == 'mmfg.FGVisualizer'
    assert cfg.visualizer.vis_backends == [dict(type='LocalVisBackend')]
    assert _merged(CFG28).visualizer.type == 'UniversalVisualizer'
    # RoIAlign crops come from the best num_parts = 1 proposals
    assert _merged(ROIALIGN, '--show').visualizer.max_proposals == 1
    # a visualizer the config chose is kept
    own = tmp_path / 'own.py'
    own.write_text(f'_base_ = [{CFG28!r}]\n'
                   "visualizer = dict(type='Visualizer', _delete_=True)\n")
    assert _merged(str(own), '--show').visualizer.type == 'Visualizer'
