"""The analysis tools on the output of ONE one-epoch run (LeNet-5 on 384
real Fashion-MNIST training images, 256 test images; EMA hook and the
TensorBoard backend on): analyze_logs.py, confusion_matrix.py (from the
test.py --out pickle and from every checkpoint kind), get_flops.py,
print_config.py, vis_cam.py (a plain and a part model)."""
import glob
import importlib.util
import json
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch

from ..conftest import BASELINE_CFG, REPO, run_tool

TOOLS = osp.join(REPO, 'tools')
TRAIN = osp.join(TOOLS, 'train.py')
TEST = osp.join(TOOLS, 'test.py')
ANALYZE = osp.join(TOOLS, 'analysis_tools', 'analyze_logs.py')
CONFUSION = osp.join(TOOLS, 'analysis_tools', 'confusion_matrix.py')
GET_FLOPS = osp.join(TOOLS, 'analysis_tools', 'get_flops.py')
PRINT_CONFIG = osp.join(TOOLS, 'misc', 'print_config.py')
VIS_CAM = osp.join(TOOLS, 'visualization', 'vis_cam.py')
FOCUS_LONGER = osp.join(
    REPO, 'configs', 'focus_longer',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py')
TENSORBOARD = ("visualizer.vis_backends=[dict(type='LocalVisBackend'),"
               "dict(type='TensorboardVisBackend')]")


def assert_ok(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def assert_one_line_error(proc, *words):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error')]
    assert len(lines) == 1 and 'Traceback' not in proc.stderr, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def decoded_png(path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, f'{path} is not a readable image'
    return img


@pytest.fixture(scope='module')
def run(tmp_path_factory, fashion_mnist_root):
    """One epoch of training (TensorBoard backend, EMA hook) and
    tools/test.py --out on its checkpoint."""
    tmp = tmp_path_factory.mktemp('analysis')
    cfg = tmp / 'lenet5_tiny.py'
    cfg.write_text(f"""_base_ = [{BASELINE_CFG!r}]
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(indices=384))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(indices=256))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1))
custom_hooks = [dict(type='EpochSeedHook'), dict(type='EMAHook')]
""")
    work = tmp / 'work'
    assert_ok(
        run_tool([
            TRAIN,
            str(cfg), '--work-dir',
            str(work), '--cfg-options', TENSORBOARD
        ]))
    preds = tmp / 'preds.pkl'
    proc = run_tool([
        TEST,
        str(cfg),
        str(work / 'epoch_1.pth'), '--work-dir',
        str(tmp / 'test'), '--out',
        str(preds)
    ])
    assert_ok(proc)
    top1 = float(
        re.findall(r'Epoch\(test\).*?accuracy/top1: ([\d.]+)',
                   proc.stdout + proc.stderr)[-1])
    scalars = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    assert len(scalars) == 1
    return dict(
        tmp=tmp,
        cfg=str(cfg),
        work=work,
        ckpt=str(work / 'epoch_1.pth'),
        preds=str(preds),
        top1=top1,
        scalars=scalars[0])


def json_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_tensorboard_event_file_has_the_loss(run):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator

    events = glob.glob(
        str(run['work'] / '*' / 'vis_data' / 'events.out.tfevents.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0])
    acc.Reload()
    assert 'loss' in acc.Tags()['scalars']
    logged = [(e['step'], e['loss']) for e in json_lines(run['scalars'])
              if 'loss' in e]
    board = [(e.step, e.value) for e in acc.Scalars('loss')]
    assert len(board) == len(logged) == 12  # 384 / 32 iterations
    assert [s for s, _ in board] == [s for s, _ in logged]
    np.testing.assert_allclose([v for _, v in board], [v for _, v in logged],
                               rtol=1e-6)


def test_plot_curve_and_train_time(run, capsys):
    out = run['tmp'] / 'curves.png'
    proc = run_tool([
        ANALYZE, 'plot_curve', run['scalars'], '--keys', 'loss',
        'accuracy/top1', '--out',
        str(out)
    ])
    assert_ok(proc)
    img = decoded_png(out)
    assert img.shape == (700, 1200, 3)  # --window-size 12*7 at 100 dpi
    # two panels of lines on white: many non-white pixels, several colours
    assert (img < 200).any(axis=2).mean() > 0.01
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50
    # cal_train_time in-process (the tool's import cost is paid above)
    spec = importlib.util.spec_from_file_location('analyze_logs', ANALYZE)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(['cal_train_time', str(run['work'])])
    printed = capsys.readouterr().out
    times = [e['time'] for e in json_lines(run['scalars']) if 'lr' in e]
    found = re.search(r'average iter time: ([\d.]+) s/iter', printed)
    assert found and float(found.group(1)) == pytest.approx(
        np.mean(times), abs=6e-5)


def test_confusion_matrix_from_test_out_equals_sklearn(run):
    from sklearn.metrics import confusion_matrix

    from mmfg.analysis.confusion import load_predictions

    npy, png = run['tmp'] / 'cm.npy', run['tmp'] / 'cm.png'
    proc = run_tool([
        CONFUSION, run['cfg'], run['preds'], '--out',
        str(npy), '--show-path',
        str(png), '--include-values'
    ])
    assert_ok(proc)
    matrix = np.load(npy)
    preds = load_predictions(run['preds'])
    gt = [int(p['gt_label'][0]) for p in preds]
    pred = [int(np.argmax(p['pred_score'])) for p in preds]
    np.testing.assert_array_equal(matrix,
                                  confusion_matrix(gt, pred, labels=range(10)))
    assert matrix.sum() == 256
    # the accuracy tools/test.py printed is the matrix's trace
    assert 100 * np.trace(matrix) / 256 == pytest.approx(run['top1'], 1e-3)
    img = decoded_png(png)
    assert min(img.shape[:2]) >= 500 and img.std() > 20


def test_confusion_matrix_from_every_checkpoint_kind(run):
    """A training checkpoint (optimizer, message hub, EMA state) through the
    tool and its published weights: the matrix of the test.py
    predictions."""
    from mmfg.analysis.confusion import (confusion_matrix, labels_of,
                                         load_predictions,
                                         predictions_from_checkpoint)
    from mmfg.engine import checkpoint_safe_globals
    from mmfg.engine.checkpoint import read_weights, write_weights_file

    expected = confusion_matrix(*labels_of(load_predictions(run['preds'])))
    with checkpoint_safe_globals():
        ckpt = torch.load(run['ckpt'], map_location='cpu', weights_only=True)
    assert {'optimizer', 'message_hub', 'ema_state_dict'} <= set(ckpt)
    csv = run['tmp'] / 'cm_train.csv'
    proc = run_tool([
        CONFUSION, run['cfg'], run['ckpt'], '--out',
        str(csv), '--show-path',
        str(run['tmp'] / 'cm_train.png')
    ])
    assert_ok(proc)
    rows = csv.read_text().splitlines()
    assert rows[0].split(',')[1:3] == ['T-shirt/top', 'Trouser']
    table = np.array([[int(v) for v in r.split(',')[1:]] for r in rows[1:]])
    np.testing.assert_array_equal(table, expected)

    # its published weights (MMEngine's EMA hook saved the EMA weights as
    # the state_dict) in-process
    _, state = read_weights(run['ckpt'])
    published = str(run['tmp'] / 'published.pth')
    write_weights_file(published, state, {'epoch': 1})
    preds = predictions_from_checkpoint(run['cfg'], published,
                                        str(run['tmp'] / 'cm_work'))
    np.testing.assert_array_equal(
        confusion_matrix(*labels_of(preds)), expected)


def lenet5_hand_flops():
    """Multiply-adds of LeNet-5 on 32x32 (convolutions and linear layers;
    pooling and tanh are not counted)."""
    conv1 = 6 * 28 * 28 * (1 * 5 * 5)
    conv2 = 16 * 10 * 10 * (6 * 5 * 5)
    conv3 = 120 * 1 * 1 * (16 * 5 * 5)
    return conv1 + conv2 + conv3 + 120 * 84 + 84 * 10


def test_get_flops_lenet5_is_the_hand_count(run):
    proc = run_tool([GET_FLOPS, run['cfg']])
    assert_ok(proc)
    assert 'Input shape: (1, 32, 32) (dataset)' in proc.stdout
    found = re.search(r'Flops: \S+ \((\d+)\)', proc.stdout)
    assert found and int(found.group(1)) == lenet5_hand_flops() == 416520


def test_print_config_merges_and_refuses_unknown_keys(run):
    from mmengine.config import Config

    proc = run_tool(
        [PRINT_CONFIG, run['cfg'], '--cfg-options', 'train_cfg.max_epochs=7'])
    assert_ok(proc)
    text = proc.stdout.split('Config:\n', 1)[1]
    printed = Config.fromstring(text, '.py')
    merged = Config.fromfile(run['cfg'])
    merged.merge_from_dict({'train_cfg.max_epochs': 7})
    assert printed.to_dict() == merged.to_dict()
    assert printed.model.backbone.type == 'LeNet5'  # from the bases
    proc = run_tool([
        PRINT_CONFIG, run['cfg'], '--cfg-options',
        'model.backbone.num_clases=3'
    ])
    assert_one_line_error(proc, 'num_clases', 'num_classes', 'LeNet5')


def fashion_png(tmp, name, dataset, **kwargs):
    from mmfg.registry import DATASETS
    from mmfg.utils import register_all_modules
    register_all_modules()
    ds = DATASETS.build(
        dict(
            type=dataset,
            data_root=osp.join(REPO, 'data', 'fashion_mnist'),
            split='test',
            indices=1,
            pipeline=[],
            **kwargs))
    path = str(tmp / name)
    cv2.imwrite(path, ds[0]['img'])
    return path


def test_vis_cam_plain_model(run):
    from mmfg.apis import FGInferencer

    img = fashion_png(run['tmp'], 'item.png', 'FashionMNIST')
    out = run['tmp'] / 'cam.png'
    # the default layer of LeNet-5 (its last convolution) has a 1x1 output
    proc = run_tool([
        VIS_CAM, run['cfg'], run['ckpt'], img, '--save-path',
        str(out), '--target-layers', 'backbone.features.3'
    ])
    assert_ok(proc)
    # the class the map explains is the model's own prediction
    pred = FGInferencer(run['cfg'], pretrained=run['ckpt'])(img)[0]
    assert f'predicted class {pred["pred_label"]} ' in proc.stdout
    assert 'at backbone.features.3 (32x32 map)' in proc.stdout
    cam = decoded_png(out)
    assert cam.shape == (448, 448, 3)  # 28 px enlarged for display
    # jet colours over a grey image: red/blue channels differ somewhere
    assert np.abs(cam[..., 2].astype(int) - cam[..., 0]).max() > 100


def test_vis_cam_part_model(run):
    from mmfg.apis import init_model

    model = init_model(FOCUS_LONGER)
    ckpt = str(run['tmp'] / 'focus_longer_init.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    img = fashion_png(
        run['tmp'],
        'canvas.png',
        'ClutteredFashionMNIST',
        canvas_size=112,
        scale_range=(1., 2.),
        num_distractors=8,
        distractor_size=14,
        seed=0)
    out = run['tmp'] / 'cam_part.png'
    proc = run_tool([
        VIS_CAM, FOCUS_LONGER, ckpt, img, '--save-path',
        str(out), '--patches', 'whole', '--method', 'GradCAM++',
        '--target-category', '3'
    ])
    assert_ok(proc)
    assert 'of class 3 (Dress) at backbone.class_conv' in proc.stdout
    assert decoded_png(out).shape == (448, 448, 3)
