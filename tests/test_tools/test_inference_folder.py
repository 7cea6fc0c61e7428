"""tools/inference.py end to end on a folder of every kind of image (grey,
RGBA, CMYK JPEG, 16-bit PNG/TIFF, 1x1, 3000x2000, an undecodable file)
with a random-weight LeNetFC on the cluttered canvas and a Focus-Longer
model with CAM patches: one row per image whose scores equal
FGInferencer's on the same decoded arrays, CSV and JSON; CAM overlays and
prediction pictures, one per image; clear one-line refusals."""
import csv
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from mmfg.apis.image_io import read_image
from ..conftest import REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'inference.py')
CFG = osp.join(REPO, 'configs', 'cluttered_fashion_mnist',
               'lenetfc_1xb128_cluttered-fashion-mnist.py')
FOCUS_CFG = osp.join(
    REPO, 'configs', 'focus_longer',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py')
GLOBAL_CFG = osp.join(REPO, 'configs', 'focus_longer',
                      'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py')
GOOD = ('cmyk.jpg', 'grey.png', 'grey16.png', 'large.jpg', 'rgb16.tif',
        'rgba.png', 'sub/canvas.png', 'tiny.png')
BROKEN = 'broken.png'


def checkpoint(cfg, path, seed):
    from mmfg.apis import init_model
    torch.manual_seed(seed)
    model = init_model(cfg)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('inference_folder')
    imgs = tmp / 'imgs'
    (imgs / 'sub').mkdir(parents=True)
    rng = np.random.default_rng(0)
    canvas = rng.integers(0, 40, (112, 112), dtype=np.uint8)
    cv2.circle(canvas, (50, 60), 15, 230, -1)
    cv2.imwrite(str(imgs / 'sub' / 'canvas.png'), canvas)
    grey = np.zeros((60, 45), np.uint8)
    cv2.rectangle(grey, (10, 10), (30, 50), 200, -1)
    cv2.imwrite(str(imgs / 'grey.png'), grey)
    rgba = rng.integers(0, 256, (80, 60, 4), dtype=np.uint8)
    Image.fromarray(rgba, 'RGBA').save(imgs / 'rgba.png')
    Image.fromarray(rng.integers(0, 256, (50, 70, 4), dtype=np.uint8),
                    'CMYK').save(imgs / 'cmyk.jpg')
    cv2.imwrite(
        str(imgs / 'grey16.png'),
        rng.integers(0, 65536, (40, 30), dtype=np.uint16))
    cv2.imwrite(
        str(imgs / 'rgb16.tif'),
        rng.integers(0, 65536, (33, 47, 3), dtype=np.uint16))
    cv2.imwrite(str(imgs / 'tiny.png'), np.array([[180]], np.uint8))
    large = np.full((2000, 3000, 3), 20, np.uint8)
    cv2.circle(large, (1500, 1000), 600, (240, 240, 240), -1)
    cv2.imwrite(str(imgs / 'large.jpg'), large)
    (imgs / BROKEN).write_bytes(b'\x89PNG\r\n\x1a\n then nothing')
    (imgs / 'notes.txt').write_text('not listed')
    return dict(
        tmp=tmp, imgs=str(imgs), ckpt=checkpoint(CFG, tmp / 'lenetfc.pth', 0))


@pytest.fixture(scope='module')
def reference(setup):
    """FGInferencer's results on the arrays read_image decodes (grey: the
    config has one mean value), one image at a time."""
    from mmfg.apis import FGInferencer
    inferencer = FGInferencer(CFG, pretrained=setup['ckpt'])
    out = {}
    for name in GOOD:
        arr = read_image(osp.join(setup['imgs'], name), grey=True)
        (res, ) = inferencer(arr, show_progress=False)
        out[name] = dict(res, width=arr.shape[1], height=arr.shape[0])
    # the model depends on the image
    assert len({r['pred_score'] for r in out.values()}) > 1
    return out, inferencer.classes


def run(args):
    proc = run_tool([TOOL] + [str(a) for a in args])
    return proc


def one_line_error(proc):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error')]
    assert len(lines) == 1 and 'Traceback' not in proc.stderr, proc.stderr
    return lines[0]


def test_csv_rows_cams_and_pictures(setup, reference):
    ref, classes = reference
    tmp = setup['tmp']
    out, cams, shows = tmp / 'preds.csv', tmp / 'cams', tmp / 'shows'
    proc = run([
        CFG, setup['ckpt'], setup['imgs'], '--out', out, '--recursive',
        '--batch-size', 3, '--cam-dir', cams, '--show-dir', shows
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '8 of 9 images classified' in proc.stdout
    assert f'warning: skipped {BROKEN}: image ' in proc.stderr
    assert '1 image could not be read' in proc.stderr
    with open(out, newline='') as f:
        rows = list(csv.DictReader(f))
    assert [r['path'] for r in rows] == sorted(GOOD + (BROKEN, ))
    assert 'patch_boxes' not in rows[0]
    for row in rows:
        if row['path'] == BROKEN:
            assert row['pred_label'] == '' and row['error'].startswith(
                f'image {osp.join(setup["imgs"], BROKEN)} (21 bytes, '
                "starting b'\\x89PNG")
            continue
        want = ref[row['path']]
        assert row['error'] == ''
        assert int(row['pred_label']) == want['pred_label']
        assert row['pred_class'] == classes[want['pred_label']]
        assert float(row['pred_score']) == pytest.approx(
            want['pred_score'], abs=1e-6)
        order = np.argsort(-want['pred_scores'], kind='stable')[:5]
        assert row['topk_labels'] == ';'.join(map(str, order))
        assert row['topk_classes'] == ';'.join(classes[i] for i in order)
        np.testing.assert_allclose(
            [float(s) for s in row['topk_scores'].split(';')],
            want['pred_scores'][order],
            atol=1e-6)
        assert (int(row['width']), int(row['height'])) == (want['width'],
                                                           want['height'])
    large = {r['path']: r for r in rows}['large.jpg']
    assert (large['width'], large['height']) == ('3000', '2000')
    # one CAM overlay and one picture per classified image, readable size
    from mmfg.visualization.prediction import display_size
    for name in GOOD:
        png = osp.splitext(name)[0] + '.png'
        cam = cv2.imread(str(cams / png))
        want = ref[name]
        assert cam.shape[:2] == display_size(want['height'],
                                             want['width'])[:2], name
        assert cv2.imread(str(shows / png)) is not None
    assert not osp.exists(cams / 'broken.png')
    assert sorted(os.listdir(cams)) == sorted({
        osp.splitext(n)[0].split('/')[0] + ('' if '/' in n else '.png')
        for n in GOOD
    })
    # the map is on the picture: not the grey image repeated in B, G, R
    cam = cv2.imread(str(cams / 'grey.png')).astype(int)
    assert np.abs(cam[..., 0] - cam[..., 2]).max() > 50


def test_json_rows(setup, reference):
    ref, classes = reference
    out = setup['tmp'] / 'preds.json'
    proc = run([
        CFG, setup['ckpt'], setup['imgs'], '--out', out, '--topk', 3,
        '--batch-size', 16
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = json.loads(out.read_text())
    names = sorted(n for n in GOOD if '/' not in n)  # not recursive
    assert [r['path'] for r in rows] == sorted(names + [BROKEN])
    for row in rows:
        if row['path'] == BROKEN:
            assert row['pred_label'] is None and 'not an image' in row['error']
            continue
        want = ref[row['path']]
        assert row['pred_label'] == want['pred_label']
        assert row['pred_class'] == classes[want['pred_label']]
        assert row['pred_score'] == pytest.approx(want['pred_score'], abs=1e-6)
        assert len(row['topk_scores']) == 3
        np.testing.assert_allclose(
            row['topk_scores'],
            np.sort(want['pred_scores'])[::-1][:3],
            atol=1e-6)
        assert (row['width'], row['height'],
                row['error']) == (want['width'], want['height'], None)
        assert 'patch_boxes' not in row


def test_clear_refusals(setup):
    tmp = setup['tmp']
    empty = tmp / 'empty'
    empty.mkdir()
    out = tmp / 'never.csv'
    line = one_line_error(run([CFG, setup['ckpt'], empty, '--out', out]))
    assert line.startswith(f'error: image folder {empty} is empty; put '
                           'image files (.jpg .jpeg .png')
    line = one_line_error(
        run([CFG, setup['ckpt'], setup['imgs'], '--out', out, '--strict']))
    assert line.startswith(f'error: image {osp.join(setup["imgs"], BROKEN)} '
                           '(21 bytes')
    assert not osp.exists(out) and not osp.exists(f'{out}.partial')


def test_part_model_with_cam_patches(setup):
    """Focus-Longer: the boxes of a CAM patch source are in the rows and
    equal the inferencer's; the CAM of the global stream is drawn."""
    from mmfg.apis import FGInferencer, patch_source_from_args
    tmp = setup['tmp']
    focus = checkpoint(FOCUS_CFG, tmp / 'focus.pth', 1)
    glob = checkpoint(GLOBAL_CFG, tmp / 'global.pth', 2)
    imgs = tmp / 'few'
    imgs.mkdir()
    names = ['cmyk.jpg', 'grey.png', 'rgba.png']
    for name in names:
        os.link(osp.join(setup['imgs'], name), imgs / name)
    out, cams = tmp / 'focus.csv', tmp / 'focus-cams'
    patches = ['cam', GLOBAL_CFG, glob]
    proc = run(
        [FOCUS_CFG, focus, imgs, '--out', out, '--cam-dir', cams, '--patches'
         ] + patches)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out, newline='') as f:
        rows = list(csv.DictReader(f))
    inferencer = FGInferencer(
        FOCUS_CFG, pretrained=focus, patches=patch_source_from_args(patches))
    # batched as the tool batches them (a CAM box threshold may flip on a
    # float difference between batch sizes)
    want = inferencer([str(imgs / n) for n in names],
                      batch_size=3,
                      show_progress=False)
    assert [r['path'] for r in rows] == names
    for row, res in zip(rows, want):
        assert int(row['pred_label']) == res['pred_label']
        assert float(row['pred_score']) == pytest.approx(
            res['pred_score'], abs=1e-6)
        boxes = [[float(v) for v in box.split()]
                 for box in row['patch_boxes'].split(';')]
        np.testing.assert_allclose(boxes, res['patch_boxes'], atol=0.01)
    assert sorted(os.listdir(cams)) == ['cmyk.png', 'grey.png', 'rgba.png']
    # without a patch source: one line naming the sources
    line = one_line_error(run([FOCUS_CFG, focus, imgs, '--out', out]))
    assert 'give a patch source' in line and 'detector' in line
