"""mmfg.apis.FGInferencer and demo/image_demo.py: results equal the model's
own ``predict`` on images preprocessed here by hand (OpenCV resize +
the config's mean/std), for paths and arrays; a multi-input model gets the
part crops its config's test pipeline makes."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmfg.apis import FGInferencer, init_model
from ..conftest import BASELINE_CFG, REPO, run_tool
from .test_model import FASHION_CLASSES, runner_like_checkpoint

DEMO = osp.join(REPO, 'demo', 'image_demo.py')
# 28x28 input, no resize
LENETFC_CFG = osp.join(REPO, 'configs', 'topdown',
                       'bu_lenetfc_fashion-mnist.py')


@pytest.fixture(scope='module')
def lenet_ckpt(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('inferencer') / 'lenet.pth')
    runner_like_checkpoint(path, seed=1)
    return path


@pytest.fixture(scope='module')
def lenetfc_ckpt(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('inferencer') / 'lenetfc.pth')
    runner_like_checkpoint(path, seed=2, config=LENETFC_CFG)
    return path


def grey_images(num=3, seed=0):
    """Blobs of different sizes on noise, (28, 28) uint8 like
    Fashion-MNIST."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 40, (num, 28, 28)).astype(np.uint8)
    for i, img in enumerate(imgs):
        cv2.circle(img, (14, 14), 3 + 4 * i, 220, -1)
    return imgs


def reference_scores(model, imgs, size=32):
    """Softmax scores ``(N, K)`` of ``model.predict`` on ``(N, 28, 28)``
    uint8 images resized to ``size`` (bilinear) and normalised with the
    configs' mean/std."""
    x = np.stack(
        [im if size == 28 else cv2.resize(im, (size, size)) for im in imgs])
    x = (x.astype(np.float32) - 72.94) / 90.02
    with torch.no_grad():
        samples = model.predict(torch.from_numpy(x)[:, None])
    return np.stack([s.pred_score.numpy() for s in samples])


def test_inferencer_equals_the_models_predict(lenet_ckpt, tmp_path):
    model = init_model(BASELINE_CFG, lenet_ckpt)
    inferencer = FGInferencer(BASELINE_CFG, pretrained=lenet_ckpt)
    imgs = grey_images(4)
    results = inferencer(list(imgs), batch_size=4)
    assert len(results) == len(imgs)
    for want, res in zip(reference_scores(model, imgs), results):
        np.testing.assert_allclose(res['pred_scores'], want, atol=1e-6)
        assert res['pred_label'] == int(want.argmax())
        assert res['pred_score'] == pytest.approx(float(want.max()))
        assert res['pred_class'] == FASHION_CLASSES[res['pred_label']]
    # the image matters (a constant model would pass the checks above)
    assert not np.allclose(results[0]['pred_scores'],
                           results[3]['pred_scores'])
    # the same images from PNG files (read grey: the config has one mean)
    paths = [str(tmp_path / f'img{i}.png') for i in (2, 3)]
    for path, img in zip(paths, imgs[2:]):
        cv2.imwrite(path, img)
    from_files = inferencer(paths, batch_size=2)
    for a, b in zip(from_files, results[2:]):
        np.testing.assert_allclose(
            a['pred_scores'], b['pred_scores'], atol=1e-6)
    # batches give the same numbers; a built model works too
    batched = FGInferencer(model)(list(imgs), batch_size=2)
    for a, b in zip(batched, results):
        np.testing.assert_allclose(
            a['pred_scores'], b['pred_scores'], atol=1e-6)


def test_single_image_in_a_one_image_batch(lenetfc_ckpt, tmp_path):
    model = init_model(LENETFC_CFG, lenetfc_ckpt)
    inferencer = FGInferencer(LENETFC_CFG, pretrained=lenetfc_ckpt)
    img = grey_images()[1]
    (want, ) = reference_scores(model, img[None], size=28)
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    for inputs in (img, path):
        (res, ) = inferencer(inputs)
        np.testing.assert_allclose(res['pred_scores'], want, atol=1e-6)
        assert res['pred_label'] == int(want.argmax())
        assert res['pred_class'] == FASHION_CLASSES[res['pred_label']]


def test_inferencer_errors(lenetfc_ckpt, tmp_path):
    from mmfg.utils import ConfigError

    inferencer = FGInferencer(LENETFC_CFG, pretrained=lenetfc_ckpt)
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(FileNotFoundError, match=f'image {missing} does'):
        inferencer(missing)
    bare = torch.nn.Module()
    with pytest.raises(TypeError):
        inferencer([bare])
    model = init_model(LENETFC_CFG)
    del model.cfg
    with pytest.raises(ConfigError, match='needs the config'):
        FGInferencer(model)


def _register_part_model():
    """A test transform that crops the four 8x8 corners as part images and
    a classifier whose logit k is 10 x the mean of corner k in [0, 1]."""
    from mmcv.transforms import BaseTransform
    from mmengine.model import BaseModel

    from mmfg.registry import MODELS, TRANSFORMS

    @TRANSFORMS.register_module(name='_TestCornerParts', force=True)
    class CornerParts(BaseTransform):

        def transform(self, results):
            img = results['img']
            results['part_imgs'] = np.stack(
                [img[:8, :8], img[:8, -8:], img[-8:, :8], img[-8:, -8:]])
            return results

    @MODELS.register_module(name='_TestCornerClassifier', force=True)
    class CornerClassifier(BaseModel):

        def __init__(self, data_preprocessor=None):
            pre = dict(data_preprocessor or {})
            pre.setdefault('type', 'ClsDataPreprocessor')
            super().__init__(data_preprocessor=pre)
            self.scale = torch.nn.Parameter(torch.tensor(10.))

        def forward(self, inputs, data_samples=None, mode='tensor'):
            parts = torch.stack([s.part_imgs for s in data_samples])
            logits = self.scale * parts.float().mean((2, 3, 4)) / 255
            if mode == 'tensor':
                return logits
            for sample, logit in zip(data_samples, logits):
                sample.set_pred_score(logit.softmax(0))
                sample.set_pred_label(logit.argmax())
            return data_samples


def test_inferencer_runs_a_part_crop_pipeline():
    _register_part_model()
    cfg = Config(
        dict(
            default_scope='mmfg',
            model=dict(type='_TestCornerClassifier'),
            data_preprocessor=dict(mean=[0.], std=[1.]),
            test_dataloader=dict(
                dataset=dict(
                    type='FashionMNIST',
                    data_root='unused',
                    pipeline=[
                        dict(type='Resize', scale=32),
                        dict(type='_TestCornerParts'),
                        dict(type='PackFGInputs'),
                    ]))))
    img = grey_images(1)[0]
    img[:10, -10:] = 255  # the top-right corner is the brightest
    (res, ) = FGInferencer(cfg)(img)
    big = cv2.resize(img, (32, 32)).astype(np.float64) / 255
    means = np.array([
        big[:8, :8].mean(), big[:8, -8:].mean(), big[-8:, :8].mean(),
        big[-8:, -8:].mean()
    ])
    want = np.exp(10 * means) / np.exp(10 * means).sum()
    np.testing.assert_allclose(res['pred_scores'], want, rtol=1e-5)
    assert res['pred_label'] == 1
    assert res['pred_class'] == FASHION_CLASSES[1]


@pytest.mark.tools
def test_image_demo_prints_the_top_classes(lenetfc_ckpt, tmp_path):
    img = grey_images()[2]
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    proc = run_tool([DEMO, path, LENETFC_CFG, lenetfc_ckpt, '--topk', '3'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == f'{path}: top-3 of 10 classes'
    (want, ) = reference_scores(
        init_model(LENETFC_CFG, lenetfc_ckpt), img[None], size=28)
    top = np.argsort(-want, kind='stable')[:3]
    for rank, (line, label) in enumerate(zip(lines[1:], top), start=1):
        r, score, lab, name = line.split(None, 3)
        assert (int(r), int(lab), name) == (rank, label,
                                            FASHION_CLASSES[label])
        assert float(score) == pytest.approx(want[label], abs=1e-4)
    assert len(lines) == 4
    bad = run_tool([DEMO, path, LENETFC_CFG, str(tmp_path / 'no.pth')])
    assert bad.returncode == 1
    assert (f'error: checkpoint {tmp_path}/no.pth does not exist'
            in bad.stderr.splitlines())


def test_inferencer_applies_the_dataset_pre_pipeline(tmp_path):
    """The LeNet-5 config resizes 28 -> 32 in the dataset's pre_pipeline:
    a 28x28 array given to the inferencer must reach the model at 32x32
    (the model only accepts 32x32) and match predicting on the dataset's
    own pre-resized sample."""
    import numpy as np
    from mmengine.config import Config

    from mmfg.apis import FGInferencer
    from mmfg.registry import DATASETS
    from mmfg.testing.idx_fixtures import make_mnist
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'baselines', 'lenet5_fashion-mnist.py'))
    assert cfg.test_dataloader.dataset.pre_pipeline[0]['type'] == 'Resize'
    root = make_mnist(tmp_path, images_per_class=1)['data_root']
    cfg.test_dataloader.dataset.data_root = root
    inferencer = FGInferencer(cfg, device='cpu')
    ds = DATASETS.build(cfg.test_dataloader.dataset)
    raw = ds.get_data_info(0)
    from mmfg.datasets.mnist import read_idx
    imgs = read_idx(osp.join(root, 't10k-images-idx3-ubyte'))
    # two images at once (one alone: test_patch_sources.py)
    got = inferencer([imgs[0], imgs[1]], batch_size=2, show_progress=False)
    model = inferencer.model
    batch = model.data_preprocessor(
        dict(
            inputs=[ds[0]['inputs'], ds[1]['inputs']],
            data_samples=[ds[0]['data_samples'], ds[1]['data_samples']]))
    want = model(batch['inputs'], batch['data_samples'], mode='predict')
    assert raw['img'].shape == (32, 32)
    for g, w in zip(got, want):
        np.testing.assert_allclose(
            g['pred_scores'],
            w.pred_score.detach().numpy(),
            rtol=1e-5,
            atol=1e-6)


@pytest.mark.tools
def test_image_demo_on_the_default_lenet5_and_a_part_model(tmp_path):
    """The README's default model (LeNet-5, batch of one) and Focus-Longer
    with CAM patches through demo/image_demo.py: the printed scores are the
    inferencer's, the boxes are printed, a readable picture is written; a
    part model without --patches is one error line."""
    from .test_patch_sources import FL_PROPOSALS, GLOBAL, save_random
    lenet = str(tmp_path / 'lenet5.pth')
    save_random(BASELINE_CFG, lenet)
    img = grey_images()[1]
    path = str(tmp_path / 'shirt.png')
    cv2.imwrite(path, img)
    out = str(tmp_path / 'pic' / 'shirt.png')
    proc = run_tool([DEMO, path, BASELINE_CFG, lenet, '--out-file', out])
    assert proc.returncode == 0, proc.stderr[-3000:]
    (want, ) = FGInferencer(BASELINE_CFG, lenet)(img, show_progress=False)
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == f'{path}: top-5 of 10 classes'
    best = lines[1].split(None, 3)
    assert int(best[2]) == want['pred_label']
    assert float(best[1]) == pytest.approx(want['pred_score'], abs=1e-4)
    pic = cv2.imread(out)
    assert min(pic.shape[:2]) >= 448
    fl, glob_ckpt = str(tmp_path / 'fl.pth'), str(tmp_path / 'global.pth')
    save_random(FL_PROPOSALS, fl)
    save_random(GLOBAL, glob_ckpt)
    canvas = np.zeros((112, 112), np.uint8)
    canvas[40:68, 30:58] = grey_images(1)[0]
    cpath = str(tmp_path / 'canvas.png')
    cv2.imwrite(cpath, canvas)
    proc = run_tool([
        DEMO, cpath, FL_PROPOSALS, fl, '--patches', 'cam', GLOBAL, glob_ckpt,
        '--topk', '2'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    (want, ) = FGInferencer(
        FL_PROPOSALS, fl, patches=['cam', GLOBAL, glob_ckpt
                                   ])(cpath, show_progress=False)
    lines = proc.stdout.strip().splitlines()
    assert int(lines[1].split()[2]) == want['pred_label']
    assert lines[3].startswith('patch boxes (x1, y1, x2, y2, score; 1 used)')
    box = [float(v) for v in lines[4].split()[1:5]]
    np.testing.assert_allclose(box, want['patch_boxes'][0, :4], atol=0.06)
    bad = run_tool([DEMO, cpath, FL_PROPOSALS, fl])
    assert bad.returncode == 1
    err = [ln for ln in bad.stderr.splitlines() if ln.startswith('error:')]
    assert len(err) == 1 and '--patches' not in err[0] \
        and 'give a patch source' in err[0], bad.stderr[-2000:]


def test_images_of_different_output_sizes_share_a_call(tmp_path):
    """A test pipeline without a fixed output size (ResizeEdge, no crop):
    images of different shapes in one call are batched in runs of one size,
    never padded, so each gets the scores it gets alone."""
    config = osp.join(REPO, 'configs', 'topdown', 'bu_resnet18_imagenette.py')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=40, edge='short'),
        dict(type='PackInputs')
    ]
    torch.manual_seed(0)
    inf = FGInferencer(
        config, cfg_options={'test_dataloader.dataset.pipeline': pipeline})
    rng = np.random.default_rng(0)
    paths = []
    for i, (h, w) in enumerate(((60, 80), (60, 80), (80, 60), (50, 50))):
        paths.append(str(tmp_path / f'{i}.png'))
        cv2.imwrite(paths[-1], rng.integers(0, 255, (h, w, 3), np.uint8))
    together = inf(paths, batch_size=4, show_progress=False)
    for path, res in zip(paths, together):
        (alone, ) = inf(path, show_progress=False)
        np.testing.assert_allclose(
            res['pred_scores'], alone['pred_scores'], atol=1e-5)
