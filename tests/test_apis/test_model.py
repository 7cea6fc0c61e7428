"""mmfg.apis.init_model / load_samples: strict loading of MMEngine
checkpoints with torch's weights_only=True, class names, errors."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmfg.apis import dataset_classes, init_model, load_samples
from mmfg.datasets.mnist import read_idx
from mmfg.utils import ConfigError
from ..conftest import BASELINE_CFG, REPO

FASHION_CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
                   'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')


def runner_like_checkpoint(path, seed=0, classes=None, config=BASELINE_CFG):
    """A checkpoint of ``config``'s model, randomly initialised, with what
    an MMEngine runner stores besides tensors (message hub HistoryBuffer,
    numpy values); returns its state dict."""
    from mmengine.logging import HistoryBuffer

    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(config)
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    meta = dict(epoch=1, seed=np.int64(seed))
    if classes is not None:
        meta['dataset_meta'] = dict(classes=list(classes))
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=meta,
            message_hub=dict(
                log_scalars={'loss': HistoryBuffer([1., 2.], [1, 1])},
                runtime_info=dict(lr=np.float32(0.1)))), path)
    return model.state_dict()


def test_init_model_loads_a_runner_checkpoint_with_weights_only(tmp_path):
    ckpt = str(tmp_path / 'epoch_1.pth')
    state = runner_like_checkpoint(ckpt, seed=3)
    # torch's default (weights_only=True) refuses it without mmfg's list
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        torch.load(ckpt)
    model = init_model(BASELINE_CFG, ckpt)
    assert not model.training
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    # the config travels with the model; classes from the dataset class
    assert model.cfg.model.backbone.type == 'LeNet5'
    assert tuple(model.dataset_meta['classes']) == FASHION_CLASSES
    # the config's normalisation reached the data preprocessor
    assert model.data_preprocessor.mean.flatten().tolist() == \
        pytest.approx([72.94])


def test_classes_come_from_the_checkpoint_meta_first(tmp_path):
    ckpt = str(tmp_path / 'named.pth')
    names = [f'c{i}' for i in range(10)]
    runner_like_checkpoint(ckpt, classes=names)
    assert list(init_model(BASELINE_CFG, ckpt).dataset_meta['classes']) == \
        names
    cfg = Config.fromfile(BASELINE_CFG)
    assert dataset_classes(cfg) == FASHION_CLASSES
    # no checkpoint: fresh weights, classes still known; cfg_options apply
    model = init_model(cfg, cfg_options={'model.backbone.num_classes': 7})
    assert model.backbone.num_classes == 7
    assert tuple(model.dataset_meta['classes']) == FASHION_CLASSES


def test_init_model_errors(tmp_path):
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(
            FileNotFoundError, match=f'^checkpoint {missing} does not exist$'):
        init_model(BASELINE_CFG, missing)
    with pytest.raises(FileNotFoundError, match='config file .* does not'):
        init_model(str(tmp_path / 'nope.py'))
    other = str(tmp_path / 'td.pth')
    td_cfg = osp.join(REPO, 'configs', 'topdown',
                      'td_lenetfc_fashion-mnist.py')
    torch.save(dict(state_dict=init_model(td_cfg).state_dict()), other)
    with pytest.raises(
            ConfigError,
            match=f'checkpoint {other} does not fit '
            f'the model of {BASELINE_CFG}'):
        init_model(BASELINE_CFG, other)


def test_load_samples_on_the_idx_fixture(tmp_path):
    from mmfg.testing.idx_fixtures import make_mnist

    root = make_mnist(str(tmp_path / 'fm'), images_per_class=2)['data_root']
    cfg = Config.fromfile(BASELINE_CFG)
    cfg.test_dataloader.dataset.data_root = root
    images, labels = load_samples(cfg, num_samples=5)
    assert images.shape == (5, 1, 32, 32) and images.dtype == torch.float32
    assert 0 <= images.min() and images.max() <= 1
    # make_mnist writes labels 0, 0, 1, 1, 2, ...
    assert labels.tolist() == [0, 0, 1, 1, 2]
    # the pipeline's 28 -> 32 bilinear resize, redone here with OpenCV
    raw = read_idx(osp.join(root, 't10k-images-idx3-ubyte'))[:5]
    want = np.stack([cv2.resize(im, (32, 32)) for im in raw])
    np.testing.assert_array_equal((images[:, 0] * 255).round().numpy(), want)
    with pytest.raises(ConfigError, match='--num-samples must be >= 1'):
        load_samples(cfg, num_samples=0)
