"""tools/topdown/{attack,localization,erf}.py and the library behind them
(mmfg.analysis) on a LeNetFC trained for a few iterations on 256 real
Fashion-MNIST images (CPU)."""
import json
import math
import os.path as osp
import re

import pytest
import torch

from ..conftest import REPO, run_tool

TOOLS = osp.join(REPO, 'tools', 'topdown')
TRAIN = osp.join(REPO, 'tools', 'train.py')
ATTACK = osp.join(TOOLS, 'attack.py')
LOCALIZATION = osp.join(TOOLS, 'localization.py')
ERF = osp.join(TOOLS, 'erf.py')
BU_CFG = osp.join(REPO, 'configs', 'topdown', 'bu_lenetfc_fashion-mnist.py')
TD_CFG = osp.join(REPO, 'configs', 'topdown', 'td_lenetfc_fashion-mnist.py')
NUM_TEST = 64


def assert_ok(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def train_td_in_process(path, images=256, steps=6, seed=0):
    """A TD LeNetFC trained for a few SGD steps, saved as a checkpoint."""
    from mmengine.config import Config

    from mmfg.registry import DATASETS, MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    torch.manual_seed(seed)
    cfg = Config.fromfile(TD_CFG)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset, indices=images))
    batch = [ds[i] for i in range(len(ds))]
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    for step in range(steps):
        chunk = batch[(step * 64) % images:(step * 64) % images + 64]
        data = model.data_preprocessor(
            dict(
                inputs=[b['inputs'] for b in chunk],
                data_samples=[b['data_samples'] for b in chunk]), True)
        loss = model(**data, mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory, fashion_mnist_root):
    tmp = tmp_path_factory.mktemp('topdown_tools')
    proc = run_tool([
        TRAIN, BU_CFG, '--work-dir',
        str(tmp / 'bu'), '--cfg-options',
        'train_dataloader.dataset.indices=256',
        'train_dataloader.num_workers=0',
        f'val_dataloader.dataset.indices={NUM_TEST}',
        'val_dataloader.num_workers=0', 'train_cfg.max_epochs=4',
        'param_scheduler.milestones=[4]', 'default_hooks.logger.interval=1'
    ])
    assert_ok(proc)
    log = proc.stdout + proc.stderr
    # the runner's own evaluation of the same first 64 test images
    val_top1 = float(
        re.findall(r'Epoch\(val\) \[4\].*?accuracy/top1: ([\d.]+)', log)[-1])
    td = tmp / 'td.pth'
    train_td_in_process(td)
    return dict(
        tmp=tmp,
        bu=str(tmp / 'bu' / 'epoch_4.pth'),
        td=str(td),
        bu_val_top1=val_top1)


def check_curve(model, epsilons):
    for name, rec in model['attacks'].items():
        acc = rec['accuracy']
        assert len(acc) == len(epsilons)
        assert acc[0] == model['clean_accuracy'], name
        for a, loss in zip(acc, rec['loss_in_accuracy']):
            assert math.isclose(model['clean_accuracy'] - a, loss)


def test_attack_bu_vs_td(checkpoints):
    out = checkpoints['tmp'] / 'attack'
    proc = run_tool([
        ATTACK, BU_CFG, checkpoints['bu'], '--compare', TD_CFG,
        checkpoints['td'], '--attacks', 'fgsm', 'deepfool', 'gaussian',
        '--attack-options', 'deepfool.steps=3', 'deepfool.candidates=3',
        '--epsilons', '0.5', '1', '2', '4', '--num-samples',
        str(NUM_TEST), '--out-dir',
        str(out)
    ])
    assert_ok(proc)
    res = json.loads((out / 'attack.json').read_text())
    assert osp.getsize(out / 'attack.png') > 1000
    assert res['epsilons'] == [0., 0.5, 1., 2., 4.]
    assert res['num_samples'] == NUM_TEST
    bu, td = res['models']
    assert bu['name'] == 'bu_lenetfc_fashion-mnist'
    assert set(bu['attacks']) == {'fgm', 'deepfool', 'gaussian'}
    for m in (bu, td):
        check_curve(m, res['epsilons'])
    # clean accuracy = the runner's validation of the same 64 images
    assert abs(100 * bu['clean_accuracy'] - checkpoints['bu_val_top1']) < 1e-2
    # FGM fools a LeNetFC trained for 8 iterations within L2 <= 4
    assert bu['attacks']['fgm']['accuracy'][-1] < bu['clean_accuracy']
    # the paper's Fig. 5 ablation: TD only, every input scale
    assert 'single_scale_transfer' not in bu
    transfer = td['single_scale_transfer']['results']['deepfool']
    assert set(transfer) == {'0', '1', '2', 'all', 'none'}
    assert transfer['none'] == td['clean_accuracy']


def test_attack_single_scale(checkpoints):
    from mmfg.analysis import robustness_benchmark

    res = robustness_benchmark([(TD_CFG, checkpoints['td'])],
                               attacks=['fgm'],
                               scale='2',
                               epsilons=[1, 4],
                               num_samples=32)
    res = json.loads(json.dumps(res))  # what attack.py writes
    assert res['epsilons'] == [0., 1., 4.]
    assert res['num_samples'] == 32
    assert res['scale'] == '2'
    (td, ) = res['models']
    assert td['input_scale_factors'] == [1, 2, 4]
    check_curve(td, res['epsilons'])


def test_localization(checkpoints):
    out = checkpoints['tmp'] / 'loc'
    proc = run_tool([
        LOCALIZATION, BU_CFG, checkpoints['bu'], '--compare', TD_CFG,
        checkpoints['td'], '--threshold', '0.2', '--num-samples', '256',
        '--num-vis', '3', '--out-dir',
        str(out)
    ])
    assert_ok(proc)
    assert 'precision' in proc.stdout
    res = json.loads((out / 'localization.json').read_text())
    assert res['threshold'] == res['cam_threshold'] == 0.2
    assert res['num_scored'] > 0
    bu, td = res['models']
    assert bu['target_layer'] == td['target_layer'] == 'backbone.class_conv'
    # BU LeNetFC's last layer is at 1/4 of 28 px, TD's at full resolution
    assert bu['cam_size'] == [7, 7] and td['cam_size'] == [28, 28]
    assert res['cam_normalize'] == 'mean'
    for m in (bu, td):
        assert m['recall'] is not None
        # a CAM mask covering everything scores precision = object area
        assert 0 < m['cam_area'] < 1
    assert osp.getsize(out / 'gradcam_grid.png') > 1000
    figures = list((out / 'gradcam').glob('*.png'))
    assert len(figures) == min(3, res['num_scored'])


def test_erf_tool_prints_and_writes_the_library_tables(tmp_path):
    """The command line prints the tables of mmfg.analysis.erf_tables and
    writes the same JSON (the numbers are checked by hand in
    tests/test_analysis/test_erf.py)."""
    from mmfg.analysis import erf_tables

    out = erf_tables(TD_CFG)
    proc = run_tool([ERF, TD_CFG, '--json', str(tmp_path / 'erf.json')])
    assert_ok(proc)
    assert 'path from the input at 1/4 resolution' in proc.stdout
    assert out['summary'] in proc.stdout
    assert json.loads((tmp_path / 'erf.json').read_text()) == json.loads(
        json.dumps(out['result']))


def test_bad_input_gives_one_line_error(tmp_path, checkpoints, capsys):
    missing = str(tmp_path / 'missing.pth')
    proc = run_tool([ATTACK, BU_CFG, missing])
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == f'error: checkpoint {missing} does not exist', lines
    assert 'Traceback' not in proc.stderr
    # a checkpoint of another architecture, and a BU model with --scale
    from mmfg.analysis import localization_benchmark, robustness_benchmark
    from mmfg.utils import run_with_clear_errors
    with pytest.raises(SystemExit) as exc:
        run_with_clear_errors(localization_benchmark,
                              [(BU_CFG, checkpoints['td'])])
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"error: checkpoint {checkpoints['td']} does "
                             'not fit the model of'), err
    with pytest.raises(SystemExit):
        run_with_clear_errors(
            robustness_benchmark, [(BU_CFG, checkpoints['bu'])],
            scale='1',
            num_samples=4)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith('error: --scale needs a Top-Down model'), err


def test_fixed_size_attack_distance_is_the_successful_epsilon():
    """A fixed-size attack that succeeds at eps must count as fooled at eps:
    Foolbox's float32 projection onto the L2 sphere leaves norms a few 1e-7
    above eps, which ``accuracy = mean(d > eps)`` must not see."""
    import foolbox as fb

    from mmfg.analysis import l2_distance, minimal_perturbations
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    net.eval()
    fmodel = fb.PyTorchModel(net, bounds=(0, 1))
    # mid-grey images: the [0, 1] clip never shortens the perturbation
    images = 0.5 + 0.05 * torch.rand(200, 1, 28, 28)
    labels = net(images).argmax(1)
    eps = [0.05, 0.1, 0.2, 0.5, 1., 2.]
    attack = fb.attacks.L2FastGradientAttack()
    d, adv = minimal_perturbations(fmodel, attack, images, labels, [0.] + eps)
    _, _, success = attack(fmodel, images, labels, epsilons=eps)
    fooled_by = success.cumsum(0).bool()  # fooled at eps or a smaller one
    for k, e in enumerate(eps):
        assert torch.equal(d <= e, fooled_by[k]), e
    assert fooled_by[-1].any()
    ok = torch.isfinite(d)
    # the returned images are the adversarials, at distance <= d
    assert (l2_distance(adv[ok], images[ok]) <= d[ok] + 1e-5).all()
    assert (net(adv[ok]).argmax(1) != labels[ok]).all()
