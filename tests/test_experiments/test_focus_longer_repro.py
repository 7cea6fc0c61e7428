"""The Focus-Longer reproduction study (experiments/focus_longer/repro.sh):
the -fmpt configs load the pre-trained feature layers into both streams
(classifiers new), carry the public code's recipe, and differ from the
attention config only where their table says; the summary's numbers by
hand; the script refuses a bad run list in one line."""
import copy
import json
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config

from experiments.focus_longer import repro_summary
from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules
from ..conftest import REPO

register_all_modules()
FL = 'focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt'
GLOBAL = 'global_lenetfc_1xb32_cluttered-fashion-mnist-6k-56-fmpt'
PRE = 'pretrain_lenetfc_1xb128_fashion-mnist'


def cfg(name):
    return Config.fromfile(
        osp.join(REPO, 'configs', 'focus_longer', name + '.py'))


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """A checkpoint of the pre-training model with random weights (as
    mmengine saves it: ``state_dict``, keys ``backbone.`` / ``head.``)."""
    torch.manual_seed(0)
    model = MODELS.build(cfg(PRE).model)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    path = str(tmp_path_factory.mktemp('pre') / 'epoch_40.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path, model.state_dict()


def _build(name, path):
    """The config's model initialised with ``path`` as its pre-trained
    checkpoint, and the same model initialised without it (same seed)."""
    out = []
    for checkpoint in (path, None):
        model_cfg = copy.deepcopy(cfg(name).model)
        for key in ('backbone', 'local_backbone'):
            if key in model_cfg and model_cfg[key].get('init_cfg'):
                if checkpoint:
                    model_cfg[key].init_cfg.checkpoint = checkpoint
                else:
                    model_cfg[key].init_cfg = None
        torch.manual_seed(1)
        model = MODELS.build(model_cfg)
        model.init_weights()
        out.append(model)
    return out[0], out[1].state_dict()


def test_both_streams_start_from_the_pretrained_features(pretrained):
    path, want = pretrained
    model, fresh = _build(FL, path)
    got = model.state_dict()
    stage_keys = [k for k in want if k.startswith('backbone.stages.')]
    assert len(stage_keys) == 21  # 3 conv + BN units
    for k in stage_keys:
        local = 'local_' + k
        torch.testing.assert_close(got[k], want[k], rtol=0, atol=0)
        torch.testing.assert_close(got[local], want[k], rtol=0, atol=0)
    # the classifiers, LSTM and attention stay as built (no checkpoint key)
    for k in got:
        if not k.startswith(('backbone.stages.', 'local_backbone.stages.')):
            torch.testing.assert_close(got[k], fresh[k], rtol=0, atol=0)
    # the paper's global head: GAP and a new fc, no class convolution
    assert not any(k.startswith('backbone.class_conv.') for k in got)
    assert 'head.fc.weight' in got


def test_global_baseline_starts_from_the_same_features(pretrained):
    path, want = pretrained
    model, fresh = _build(GLOBAL, path)
    got = model.state_dict()
    for k in want:
        if k.startswith('backbone.stages.'):
            torch.testing.assert_close(got[k], want[k], rtol=0, atol=0)
    for k in got:
        if k.startswith('head.'):  # the new fc
            torch.testing.assert_close(got[k], fresh[k], rtol=0, atol=0)
    assert 'head.fc.weight' in got


def test_protocol_is_the_public_recipe():
    for name in (FL, GLOBAL):
        c = cfg(name)
        opt = c.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
            ('SGD', 1e-3, 0.9, 5e-4)
        assert not opt.get('nesterov', False)
        assert c.param_scheduler.milestones == [30, 60]
        assert c.param_scheduler.gamma == 0.1
        assert (c.train_cfg.max_epochs, c.train_cfg.val_interval) == (90, 2)
        assert c.train_dataloader.batch_size == 32
        assert c.train_dataloader.dataset.indices == 6000
        assert 'indices' not in c.val_dataloader.dataset  # all 10k
    pre = cfg(PRE)
    assert pre.train_cfg.max_epochs == 40
    assert pre.param_scheduler.milestones == [20, 32]
    assert 'num_classes' not in pre.model.backbone  # no class convolution
    # the pre-training sees inputs normalised as the two-stream model's
    assert (pre.data_preprocessor.mean, pre.data_preprocessor.std) == \
        (cfg(FL).data_preprocessor.mean, cfg(FL).data_preprocessor.std)


@pytest.mark.parametrize('suffix, neck, head_type', [
    ('mean', dict(aggregation='mean'), 'LinearClsHead'),
    ('sum', dict(aggregation='sum'), 'LinearClsHead'),
    ('eq6', dict(per_step_score=True), 'LinearClsHead'),
    ('t5', dict(num_steps=5), 'LinearClsHead'),
    ('t25', dict(num_steps=25), 'LinearClsHead'),
    ('lstm', dict(aggregation='all'), 'MultiStepClsHead'),
    ('cnn', dict(type='GlobalAveragePooling'), 'LinearClsHead'),
])
def test_variants_change_only_the_local_neck_and_head(suffix, neck, head_type):
    base, var = cfg(FL), cfg(f'{FL}-{suffix}')
    for key, value in neck.items():
        assert var.model.local_neck[key] == value
    assert var.model.local_head.type == head_type
    strip = ('local_neck', 'local_head')
    assert {k: v for k, v in var.model.items() if k not in strip} == \
        {k: v for k, v in base.model.items() if k not in strip}
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'train_dataloader', 'val_dataloader'):
        assert var[key] == base[key], key


# ---------------------------------------------------------------- summary
def _run(root, name, rows, stamp='20260101_000000'):
    d = osp.join(root, name, stamp, 'vis_data')
    os.makedirs(d, exist_ok=True)
    with open(osp.join(d, 'scalars.json'), 'a') as f:
        for epoch, acc in rows:
            f.write(json.dumps({'accuracy/top1': acc, 'step': epoch}) + '\n')


def test_summary_final_best_plateau_by_hand(tmp_path):
    root = str(tmp_path)
    # E = 9: first decay at 3, 2E/9 = 2, last decay at 6
    _run(root, 'a_seed0', [(1, 30.), (2, 50.), (3, 56.), (6, 70.), (9, 69.)])
    # resumed: a second timestamp continues (and overrides epoch 4)
    _run(root, 'a_seed1', [(2, 40.), (4, 60.)])
    _run(root, 'a_seed1', [(4, 61.), (9, 65.)], stamp='20260102_000000')
    _run(root, 'a_seed2', [(2, 10.)])  # unfinished
    s = repro_summary.summarise(root, epochs=9)
    r0 = s['runs']['a_seed0']
    assert (r0['final'], r0['best'], r0['best_epoch']) == (69., 70., 6)
    assert r0['gain_phase1'] == 6.  # 56 (epoch 3) - 50 (epoch 2)
    assert r0['gain_last_third'] == -1.  # 69 - 70 (epoch 6)
    r1 = s['runs']['a_seed1']
    # epoch 3 not evaluated: the evaluation before it (2); 4 -> 61
    assert (r1['gain_phase1'], r1['final']) == (0., 65.)
    assert r1['gain_last_third'] == 4.  # 65 - 61
    assert not s['runs']['a_seed2']['finished']
    c = s['configs']['a']
    assert c['seeds'] == [0, 1]
    assert c['final'] == pytest.approx(67.)
    assert c['final_std'] == pytest.approx(2**.5 * 2)  # ddof 1
    assert c['best'] == pytest.approx(67.5)
    assert c['gain_phase1'] == pytest.approx(3.)
    md = repro_summary.to_markdown(s)
    assert '| a | 0 1 | 67.00 ± 2.83 | 67.50 ± 3.54 | 3.00 ± 4.24 | ' in md
    assert 'a_seed2 (epoch 2)' in md
    with pytest.raises(ConfigError, match='no <config>_seed<N>'):
        repro_summary.summarise(str(tmp_path / 'a_seed0'), 9)


# ---------------------------------------------------------------- script
@pytest.mark.parametrize('env, message', [
    (dict(CONFIGS='attention nope'), "unknown config 'nope'"),
    (dict(EPOCHS='50'), 'EPOCHS=50 must be a multiple of 6'),
])
def test_script_refuses_a_bad_run_list_in_one_line(tmp_path, env, message):
    proc = subprocess.run(['bash', 'experiments/focus_longer/repro.sh'],
                          cwd=REPO,
                          env=dict(
                              os.environ,
                              WORK=str(tmp_path / 'w'),
                              LOCK='',
                              **env),
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / 'w').exists()
