"""mmfg's models in mmpretrain's ModelHub (mmfg.model_hub): the names of
the metafiles (read here with yaml, independently of modelindex), models
built by ``mmpretrain.get_model`` equal to mmfg's own ``init_model`` of the
config, mmpretrain's inferencer giving the scores of mmfg's ``FGInferencer``
(and of the dataset's own preprocessing) with the same weights, and
``pretrained=True`` failing in one clear message."""
import glob
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmpretrain import ImageClassificationInferencer, get_model, list_models

from mmfg import model_hub
from mmfg.apis import FGInferencer, init_model
from mmfg.utils import CheckpointError
from ..conftest import REPO

FASHION = 'lenet5_fashion-mnist'
# mmfg's own multi-scale backbone on natural RGB images (128x128)
PHOTO = 'td_resnet18_imagenette'


def metafile_models():
    """``{name: config path}`` of every model of configs/*/metafile.yml."""
    models = {}
    for path in sorted(
            glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml'))):
        with open(path) as f:
            for model in yaml.safe_load(f).get('Models') or []:
                assert model['Name'] not in models, model['Name']
                models[model['Name']] = osp.join(REPO, model['Config'])
    return models


def config_of(name):
    return metafile_models()[name]


@pytest.fixture(scope='module')
def weights(tmp_path_factory):
    """``{name: weights file}``: random-init mmfg models saved as plain
    weights files (what tools/misc/publish_model.py writes)."""
    folder = tmp_path_factory.mktemp('hub')
    files = {}
    for seed, name in enumerate((FASHION, PHOTO)):
        torch.manual_seed(seed)
        model = init_model(Config.fromfile(config_of(name)))
        files[name] = str(folder / f'{name}.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, files[name])
    return files


def test_model_index_imports_every_metafile():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    on_disk = glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml'))
    assert sorted(imports) == sorted(osp.relpath(p, REPO) for p in on_disk)
    assert len(imports) == 8


def test_metafile_names_are_unique_lowercase_config_stems():
    models = metafile_models()
    assert len(models) > 150
    for name, config in models.items():
        assert osp.isfile(config), (name, config)
        assert name == name.lower(), name
        assert name == osp.splitext(osp.basename(config))[0], name


def test_list_models_finds_every_mmfg_name():
    models = metafile_models()
    racnn = sorted(n for n in models if n.startswith('racnn'))
    assert len(racnn) == 9
    assert list_models('racnn*') == racnn
    assert set(models) <= set(list_models())
    assert list_models(FASHION) == [FASHION]


def test_mmfg_names_do_not_collide_with_mmpretrain():
    from mmpretrain.apis.model import ModelHub
    from modelindex.load_model_index import load
    index = load(
        osp.join(
            osp.dirname(sys.modules['mmpretrain'].__file__), '.mim',
            'model-index.yml'))
    index.build_models_with_collections()
    theirs = {m.name.lower() for m in index.models}
    assert len(theirs) > 400
    assert not theirs & set(metafile_models())
    # and the hub keeps both
    assert theirs | set(metafile_models()) <= set(ModelHub._models_dict)


def test_registration_reads_the_checkouts_index():
    """model_hub reads mmfg/.mim (editable install: links to the root) or
    the checkout's root; either way the repository's own files."""
    root = model_hub.mim_root()
    assert root in (osp.join(REPO, 'mmfg', '.mim'), REPO)
    assert osp.samefile(
        osp.join(root, 'model-index.yml'), osp.join(REPO, 'model-index.yml'))
    meta = get_model(FASHION)._metainfo
    assert osp.samefile(meta.config.filename, config_of(FASHION))
    # registering again changes nothing
    assert FASHION in model_hub.register_models()


@pytest.mark.parametrize('name', [
    FASHION,
    'racnn_lenet5_fashion-mnist-lr8',
    'td_lenetfc_fashion-mnist',
    'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox',
    'gasa_tiny_1xb64_fashion-mnist',
])
def test_get_model_builds_the_configs_model(name):
    """The hub's model is mmfg's own build of the config: same classes all
    the way down (mmfg's LeNet5, not mmpretrain's), same parameters, and
    the config's class count."""
    cfg = Config.fromfile(config_of(name))
    ours = init_model(cfg)
    hub = get_model(name)
    assert type(hub) is type(ours)
    assert type(hub).__module__.startswith(
        ('mmfg.', 'mmpretrain.models.classifiers'))
    assert [type(m)
            for m in hub.modules()] == [type(m) for m in ours.modules()]
    shapes = {k: v.shape for k, v in ours.state_dict().items()}
    assert {k: v.shape for k, v in hub.state_dict().items()} == shapes
    num_classes = cfg.data_preprocessor.num_classes
    assert hub.data_preprocessor.num_classes == num_classes
    # the classifier layer: a (num_classes, ...) weight
    assert any(
        k.endswith('weight') and v.shape[0] == num_classes
        for k, v in hub.state_dict().items() if v.dim() >= 2)
    classes = hub._dataset_meta.get('classes')
    assert classes is None or len(classes) == num_classes
    if name == FASHION:
        from mmfg.models.backbones.lenet import LeNet5
        assert type(hub.backbone) is LeNet5


def test_pretrained_true_fails_in_one_clear_line():
    with pytest.raises(CheckpointError) as info:
        get_model(FASHION, pretrained=True)
    message = str(info.value)
    assert '\n' not in message
    assert f"no pretrained weights for '{FASHION}'" in message
    assert 'pretrained=False' in message
    assert 'publish_model.py' in message
    # the inferencers default to pretrained=True: the same message
    with pytest.raises(CheckpointError, match='pretrained=False'):
        ImageClassificationInferencer(FASHION)


def test_pretrained_weights_file_is_loaded(weights):
    saved = torch.load(weights[FASHION], weights_only=True)['state_dict']
    hub = get_model(FASHION, pretrained=weights[FASHION])
    fresh = get_model(FASHION)
    for key, value in saved.items():
        assert torch.equal(hub.state_dict()[key], value), key
    assert not all(
        torch.equal(fresh.state_dict()[k], v) for k, v in saved.items())


def fashion_test_images(num=3):
    """The first ``num`` Fashion-MNIST test images, (28, 28) uint8, read
    from the idx file here."""
    path = osp.join(REPO, 'data', 'fashion_mnist', 't10k-images-idx3-ubyte')
    if not osp.isfile(path):
        pytest.fail(f'{path} is missing: run bash tools/setup.sh')
    raw = np.fromfile(path, dtype=np.uint8, offset=16, count=num * 28 * 28)
    return list(raw.reshape(num, 28, 28))


def test_inferencer_on_dataset_images_matches_mmfg(weights):
    """mmpretrain's inferencer with an mmfg name on real Fashion-MNIST test
    images: the scores of mmfg's FGInferencer and of the model on the
    dataset's own items (Resize to 32 in the dataset's pre_pipeline)."""
    from mmfg.datasets import FashionMNIST
    images = fashion_test_images()
    inferencer = ImageClassificationInferencer(
        FASHION, pretrained=weights[FASHION])
    ours = FGInferencer(config_of(FASHION), pretrained=weights[FASHION])
    got = inferencer(images, batch_size=3)
    want = ours(images)
    cfg = Config.fromfile(config_of(FASHION))
    dataset = FashionMNIST(
        data_root=osp.join(REPO, 'data', 'fashion_mnist'),
        split='test',
        indices=len(images),
        pre_pipeline=cfg.test_dataloader.dataset.get('pre_pipeline')
        or cfg.train_dataloader.dataset.get('pre_pipeline'),
        pipeline=[dict(type='PackInputs')])
    model = ours.model
    with torch.no_grad():
        items = [dataset[i] for i in range(len(images))]
        batch = model.data_preprocessor(
            dict(
                inputs=[it['inputs'] for it in items],
                data_samples=[it['data_samples'] for it in items]))
        direct = model(**batch, mode='predict')
    for g, w, d in zip(got, want, direct):
        np.testing.assert_allclose(
            g['pred_scores'], w['pred_scores'], atol=1e-6)
        np.testing.assert_allclose(
            g['pred_scores'], d.pred_score.numpy(), atol=1e-6)
        assert g['pred_label'] == w['pred_label']
        assert g['pred_class'] == w['pred_class']


def test_inferencer_on_a_photo_matches_mmfg(weights, tmp_path):
    """An RGB photo (scikit-image's cat) through an mmfg Top-Down model:
    mmpretrain's inferencer and mmfg's FGInferencer agree."""
    from skimage import data
    path = str(tmp_path / 'chelsea.png')
    cv2.imwrite(path, data.chelsea()[..., ::-1])
    got = ImageClassificationInferencer(
        PHOTO, pretrained=weights[PHOTO])(path)[0]
    want = FGInferencer(config_of(PHOTO), pretrained=weights[PHOTO])(path)[0]
    np.testing.assert_allclose(
        got['pred_scores'], want['pred_scores'], atol=1e-6)
    assert got['pred_scores'].shape == (10, )
    assert got['pred_label'] == want['pred_label']


def test_import_mmfg_stays_light_and_either_order_works():
    """``import mmfg`` imports no torch/mmpretrain/modelindex; importing
    mmpretrain before or after it, the hub knows mmfg's names."""
    code = ('import sys, mmfg\n'
            'heavy = [m for m in ("torch", "mmpretrain", "modelindex") '
            'if m in sys.modules]\n'
            'assert not heavy, heavy\n')
    subprocess.run([sys.executable, '-c', code], cwd=REPO, check=True)
    code = ('import mmpretrain, mmfg\n'
            'print(mmpretrain.list_models("racnn_lenet5*"))\n')
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO,
                         check=True,
                         capture_output=True,
                         text=True).stdout
    assert "['racnn_lenet5_fashion-mnist-lr8']" in out
