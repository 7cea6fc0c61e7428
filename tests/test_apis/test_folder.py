"""mmfg.apis.folder (image listing, prediction rows and writers, the batched
folder run with per-image errors) and mmfg.apis.batch_cam (CAMs of the
batches an inferencer ran, overlays)."""
import csv
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmfg.apis.batch_cam import InferencerCAM, covers_whole_image, overlay_cam
from mmfg.apis.folder import (IMAGE_EXTENSIONS, FolderInference, check_output,
                              list_images, open_writer, picture_names,
                              prediction_record, relative_name)
from mmfg.utils import ConfigError, DataError
from ..conftest import REPO

CLUTTERED_CFG = osp.join(REPO, 'configs', 'cluttered_fashion_mnist',
                         'lenetfc_1xb128_cluttered-fashion-mnist.py')
FOCUS_CFG = osp.join(
    REPO, 'configs', 'focus_longer',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py')


def touch_image(path, h=4, w=5):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w), 100, np.uint8))


def test_list_images(tmp_path):
    for name in ('b.PNG', 'a.jpg', 'f.JpEg', 'g.tiff', 'sub/d.png',
                 'sub/deeper/e.webp', '.git/x.png', 'sub/.cache/y.png'):
        touch_image(tmp_path / name)
    (tmp_path / 'notes.txt').write_text('x')
    (tmp_path / '._a.jpg').write_bytes(b'AppleDouble')  # macOS: hidden
    root = str(tmp_path)
    found = list_images(root)
    assert [relative_name(p, root)
            for p in found] == ['a.jpg', 'b.PNG', 'f.JpEg', 'g.tiff']
    assert found[0] == osp.join(root, 'a.jpg')
    found = list_images(root, recursive=True)
    assert [relative_name(p, root) for p in found] == [
        'a.jpg', 'b.PNG', 'f.JpEg', 'g.tiff', 'sub/d.png', 'sub/deeper/e.webp'
    ]
    assert '.gif' in IMAGE_EXTENSIONS and '.tif' in IMAGE_EXTENSIONS


def test_list_images_errors(tmp_path):
    missing = str(tmp_path / 'nope')
    with pytest.raises(
            FileNotFoundError, match=f'image folder {missing} does not exist'):
        list_images(missing)
    touch_image(tmp_path / 'one.png')
    with pytest.raises(NotADirectoryError, match='is a file, not a folder'):
        list_images(str(tmp_path / 'one.png'))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(DataError) as info:
        list_images(str(empty))
    assert str(info.value) == (f'image folder {empty} is empty; put image '
                               f'files ({" ".join(IMAGE_EXTENSIONS)}) in it')
    texts = tmp_path / 'texts'
    texts.mkdir()
    (texts / 'a.txt').write_text('x')
    with pytest.raises(DataError, match=r'holds no image file \(\.jpg '):
        list_images(str(texts))
    nested = tmp_path / 'nested'
    touch_image(nested / 'sub' / 'a.png')
    with pytest.raises(DataError, match='add --recursive'):
        list_images(str(nested))
    assert len(list_images(str(nested), recursive=True)) == 1


def result(scores, boxes=None):
    scores = np.asarray(scores, np.float32)
    res = dict(
        pred_label=int(scores.argmax()),
        pred_score=float(scores.max()),
        pred_scores=scores)
    if boxes is not None:
        res['patch_boxes'] = np.asarray(boxes, np.float32)
    return res


def test_records_and_writers(tmp_path):
    classes = ['cat', 'dog', 'owl']
    rec = prediction_record(
        'a/b.png',
        result([0.2, 0.5, 0.3],
               boxes=[[1, 2.25, 30, 40, 0.9], [0, 0, 5, 6, 0.1]]),
        topk=2,
        classes=classes,
        size=(64, 48))
    assert rec['pred_label'] == 1 and rec['pred_class'] == 'dog'
    assert rec['topk_labels'] == [1, 2]
    assert rec['topk_classes'] == ['dog', 'owl']
    assert rec['topk_scores'] == pytest.approx([0.5, 0.3])
    assert rec['patch_boxes'][0] == pytest.approx([1, 2.25, 30, 40, 0.9])
    assert (rec['width'], rec['height']) == (64, 48)
    assert all(
        type(v) in (int, float) for v in rec['topk_scores'] +
        rec['topk_labels'] + [rec['pred_score'], rec['width']])
    plain = prediction_record('c.jpg', result([0.9, 0.05, 0.05]), topk=5)
    assert plain['pred_class'] is None and plain['topk_labels'] == [0, 1, 2]
    assert 'patch_boxes' not in plain

    for ext in ('.csv', '.json'):
        out = str(tmp_path / f'preds{ext}')
        writer = open_writer(out, with_boxes=True)
        assert writer.partial == out + '.partial'
        writer.write(rec)
        writer.write(dict(path='bad.png', error='image bad.png is empty'))
        assert osp.exists(out + '.partial') and not osp.exists(out)
        writer.close()
        assert osp.exists(out) and not osp.exists(out + '.partial')
        if ext == '.csv':
            with open(out, newline='') as f:
                rows = list(csv.DictReader(f))
            assert list(rows[0]) == [
                'path', 'pred_label', 'pred_class', 'pred_score',
                'topk_labels', 'topk_classes', 'topk_scores', 'patch_boxes',
                'width', 'height', 'error'
            ]
            assert rows[0]['path'] == 'a/b.png'
            assert rows[0]['pred_score'] == '0.500000'
            assert rows[0]['topk_labels'] == '1;2'
            assert rows[0]['topk_classes'] == 'dog;owl'
            assert rows[0]['topk_scores'] == '0.500000;0.300000'
            assert rows[0]['patch_boxes'] == (
                '1.00 2.25 30.00 40.00 0.9000;0.00 0.00 5.00 6.00 0.1000')
            assert rows[0]['width'] == '64' and rows[0]['error'] == ''
            assert rows[1]['error'] == 'image bad.png is empty'
            assert rows[1]['pred_label'] == ''
        else:
            with open(out) as f:
                rows = json.load(f)
            assert rows[0]['topk_classes'] == ['dog', 'owl']
            assert rows[0]['pred_score'] == pytest.approx(0.5)
            assert rows[0]['patch_boxes'][1] == [0, 0, 5, 6, 0.1]
            assert rows[1] == dict(
                path='bad.png',
                pred_label=None,
                pred_class=None,
                pred_score=None,
                topk_labels=None,
                topk_classes=None,
                topk_scores=None,
                patch_boxes=None,
                width=None,
                height=None,
                error='image bad.png is empty')
    # an empty JSON list; a stopped run keeps the .partial file only
    writer = open_writer(str(tmp_path / 'none.json'))
    writer.close()
    assert json.load(open(tmp_path / 'none.json')) == []
    writer = open_writer(str(tmp_path / 'stopped.csv'))
    writer.write(rec)
    writer.abort()
    assert not osp.exists(tmp_path / 'stopped.csv')
    assert 'a/b.png' in (tmp_path / 'stopped.csv.partial').read_text()


def test_output_format_and_picture_names():
    assert check_output('x/preds.CSV') == '.csv'
    assert check_output('preds.json') == '.json'
    with pytest.raises(ConfigError, match='must end in .csv or .json'):
        check_output('preds.txt')
    assert picture_names(['a.jpg', 'a.png', 'b.tif', 's/c.jpeg'
                          ]) == ['a.jpg.png', 'a.png.png', 'b.png', 's/c.png']


class FakeInferencer:
    """Scores from the image's mean grey; DataError for files named bad*;
    a batch of images of different sizes fails as torch's collate does
    when ``mixed_fails``."""

    classes = ('dark', 'light')

    def __init__(self, mixed_fails=False):
        self.calls = []
        self.mixed_fails = mixed_fails

    def __call__(self, paths, batch_size=1, show_progress=True):
        self.calls.append([osp.basename(p) for p in paths])
        assert batch_size == len(paths) and not show_progress
        for p in paths:
            if osp.basename(p).startswith('bad'):
                raise DataError(f'image {p} is broken')
        imgs = [cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in paths]
        if self.mixed_fails and len({i.shape for i in imgs}) > 1:
            raise RuntimeError('stack expects each tensor to be equal size, '
                               'but got [1, 4, 5] at entry 0')
        out = []
        for img in imgs:
            light = img.mean() / 255.
            out.append(result([1 - light, light]))
        return out


def make_folder(tmp_path, specs):
    """``specs``: (name, grey value, (h, w)) -> list of paths."""
    paths = []
    for name, value, (h, w) in specs:
        path = str(tmp_path / name)
        if name.startswith('bad'):
            open(path, 'wb').write(b'\x89PNG broken')
            if name.startswith('bad-ok'):  # decodes, the model refuses it
                cv2.imwrite(path, np.full((h, w), value, np.uint8))
        else:
            cv2.imwrite(path, np.full((h, w), value, np.uint8))
        paths.append(path)
    return paths


def run_folder(tmp_path, paths, inferencer, **kwargs):
    out = str(tmp_path / 'preds.json')
    writer = open_writer(out)
    run = FolderInference(
        inferencer,
        paths, [osp.basename(p) for p in paths],
        writer,
        progress=False,
        **kwargs)
    run.run()
    writer.close()
    return run, json.load(open(out))


def test_folder_run_batches_and_skips_bad_images(tmp_path, capsys):
    specs = [('a.png', 0, (4, 5)), ('b.png', 255, (4, 5)),
             ('bad-ok.png', 10, (4, 5)), ('c.png', 200, (4, 5)),
             ('d.png', 50, (4, 5)), ('bad.png', 0, (4, 5)),
             ('e.png', 30, (4, 5))]
    paths = make_folder(tmp_path, specs)
    fake = FakeInferencer()
    run, rows = run_folder(tmp_path, paths, fake, batch_size=3, topk=1)
    assert [r['path'] for r in rows] == [s[0] for s in specs]
    assert [r['pred_class'] for r in rows
            ] == ['dark', 'light', None, 'light', 'dark', None, 'dark']
    assert rows[2]['error'].endswith('bad-ok.png is broken')
    assert rows[5]['error'].startswith(f'image {paths[5]} (11 bytes')
    assert (rows[0]['width'], rows[0]['height']) == (5, 4)
    assert run.done == 5 and [f[0] for f in run.failed
                              ] == ['bad-ok.png', 'bad.png']
    # the undecodable file never reaches the model; the batch holding the
    # image the model refused is run again one image at a time
    assert fake.calls == [['a.png', 'b.png', 'bad-ok.png'], ['a.png'],
                          ['b.png'], ['bad-ok.png'], ['c.png', 'd.png'],
                          ['e.png']]
    err = capsys.readouterr().err
    assert 'warning: skipped bad-ok.png: image' in err
    assert 'warning: skipped bad.png: image' in err

    with pytest.raises(DataError, match='bad-ok.png is broken'):
        run_folder(tmp_path, paths, FakeInferencer(), strict=True)


def test_folder_run_groups_sizes_when_the_model_needs_it(tmp_path):
    specs = [('a.png', 0, (4, 5)),
             ('b.png', 90, (4, 5)), ('c.png', 200, (6, 5)),
             ('d.png', 50, (4, 5)), ('e.png', 30, (4, 5)),
             ('f.png', 250, (4, 5)), ('g.png', 0, (6, 5)),
             ('h.png', 9, (6, 5))]
    paths = make_folder(tmp_path, specs)
    fake = FakeInferencer(mixed_fails=True)
    run, rows = run_folder(tmp_path, paths, fake, batch_size=4)
    assert [r['path'] for r in rows] == [s[0] for s in specs]
    assert run.done == 8 and not run.failed
    assert rows[2]['pred_class'] == 'light'
    # after the first batch of mixed sizes only images of one size share
    # a batch
    assert fake.calls == [['a.png', 'b.png', 'c.png', 'd.png'], ['a.png'],
                          ['b.png'], ['c.png'], ['d.png'], ['e.png', 'f.png'],
                          ['g.png', 'h.png']]
    # a model that takes any mix keeps full batches
    fake = FakeInferencer()
    run_folder(tmp_path, paths, fake, batch_size=4)
    assert fake.calls == [['a.png', 'b.png', 'c.png', 'd.png'],
                          ['e.png', 'f.png', 'g.png', 'h.png']]

    # any other error stops the run
    class Refusing(FakeInferencer):

        def __call__(self, *args, **kwargs):
            raise ConfigError('give a patch source')

    with pytest.raises(ConfigError, match='give a patch source'):
        run_folder(tmp_path, paths, Refusing(), batch_size=4)


def test_overlay_and_geometry():
    img = np.array([[0, 100], [200, 255]], np.uint8)
    cam = np.array([[0., 1.], [0.5, 0.25]], np.float32)
    out = overlay_cam(img, cam)
    jet = cv2.applyColorMap(
        np.round(cam * 255).astype(np.uint8), cv2.COLORMAP_JET)
    want = np.round(0.5 * img[..., None] + 0.5 * jet.astype(np.float64))
    np.testing.assert_array_equal(out, want)
    assert tuple(out[0, 0]) == (64, 0, 0)  # jet(0): dark blue
    # enlarged: the image by the interpolation given, the map bilinear
    flat = np.zeros((2, 2), np.float32)
    big = overlay_cam(img, flat, (4, 4), interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(
        big, np.kron(overlay_cam(img, flat), np.ones((2, 2, 1), np.uint8)))
    big = overlay_cam(img, cam, (4, 4), interpolation=cv2.INTER_NEAREST)
    heat = cv2.applyColorMap(
        np.round(cv2.resize(cam, (4, 4)) * 255).astype(np.uint8),
        cv2.COLORMAP_JET)
    grey = np.kron(img, np.ones((2, 2), np.uint8))[..., None]
    np.testing.assert_array_equal(big, np.round(0.5 * grey + 0.5 * heat))

    assert covers_whole_image(dict(ori_shape=(30, 40), img_shape=(30, 40)))
    assert covers_whole_image(
        dict(
            ori_shape=(30, 40),
            img_shape=(112, 112),
            scale_factor=(112 / 40, 112 / 30)))
    # resize then centre crop; a crop to a box then resize
    assert not covers_whole_image(
        dict(
            ori_shape=(300, 400),
            img_shape=(224, 224),
            scale_factor=(256 / 300, 256 / 300)))
    assert not covers_whole_image(
        dict(
            ori_shape=(30, 40),
            img_shape=(28, 28),
            scale_factor=(28 / 10, 28 / 12)))
    assert not covers_whole_image(dict(img_shape=(28, 28)))


def canvases(num=3, seed=0):
    """112x112 grey canvases (the cluttered config's native size): one
    bright blob each on noise."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 40, (num, 112, 112)).astype(np.uint8)
    for i, img in enumerate(imgs):
        cv2.circle(img, (30 + 25 * i, 60), 12, 230, -1)
    return list(imgs)


def test_cam_of_a_plain_classifier_equals_classifier_cam():
    from mmfg.apis import FGInferencer
    from mmfg.visualization.cam import ClassifierCAM

    torch.manual_seed(0)
    inferencer = FGInferencer(CLUTTERED_CFG)
    cam = InferencerCAM(inferencer)
    imgs = canvases()
    with cam.recording():
        results = inferencer(imgs, batch_size=3, show_progress=False)
    # the classes asked for are explained (the tool asks for the
    # predicted ones)
    labels = [(r['pred_label'] + i) % 10 for i, r in enumerate(results)]
    maps = cam.maps(labels)
    assert len(maps) == 3
    # the normalisation of the config (mean 22.08, std 59.17) by hand
    x = (torch.from_numpy(np.stack(imgs)).float()[:, None] - 22.08) / 59.17
    want = ClassifierCAM(inferencer.model)(x, targets=labels)
    for got, ref, img in zip(maps, want, imgs):
        np.testing.assert_allclose(got['cam'], ref.numpy(), atol=1e-5)
        assert got['whole'] and got['cam'].shape == (112, 112)
        np.testing.assert_array_equal(got['input'], img)
    assert not np.allclose(maps[0]['cam'], maps[2]['cam'])
    cam.remove()


def test_cam_of_a_two_stream_model_holds_the_crops():
    """Crops fixed, the fused logits' Grad-CAM at a global-stream layer is
    the global logits' Grad-CAM (Grad-CAM does not change when the
    gradient is scaled by the positive fusion weight)."""
    from mmfg.apis import FGInferencer, patch_source_from_args
    from mmfg.visualization.cam import ClassifierCAM

    torch.manual_seed(0)
    inferencer = FGInferencer(
        FOCUS_CFG, patches=patch_source_from_args(['whole']))
    model = inferencer.model
    cam = InferencerCAM(inferencer)
    with cam.recording():
        results = inferencer(canvases(), batch_size=3, show_progress=False)
    labels = [r['pred_label'] for r in results]
    maps = cam.maps(labels)
    (batch, ) = cam.batches
    assert batch['parts'].shape[:2] == (3, 1)

    class GlobalStream(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model.global_logits(x)

    want = ClassifierCAM(
        GlobalStream(), target_layer=cam.cam.layer)(
            batch['inputs'], targets=labels)
    for got, ref in zip(maps, want):
        np.testing.assert_allclose(got['cam'], ref.numpy(), atol=1e-5)
    with pytest.raises(
            ConfigError,
            match="--cam-dir: --cam-layer 'backbone.nope' is not a module"):
        InferencerCAM(inferencer, target_layer='backbone.nope')
    # a local-only model has no global layer to explain
    model.backbone = None
    with pytest.raises(
            ConfigError,
            match='--cam-dir: the '
            'TwoStreamClassifier of this config has no global'):
        InferencerCAM(inferencer)
