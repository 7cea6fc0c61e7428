"""The GASA reproduction study (experiments/gasa/repro.sh): the stand-in
pre-training is the plain hybrid on plain Fashion-MNIST at 112 px; every
-fmpt arm is its from-scratch twin plus the pre-trained backbone and loads
every backbone tensor of the pre-training, only the gradient tokenizers
(and the head) new, on the same token grids; a mis-shaped, missing or
unexpected tensor, which MMEngine's Pretrained init only logs, stops
experiments.gasa.init_check; the script's step 0 and INIT switch (dry
run), and its one-line refusals."""
import copy
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config

from experiments.gasa import init_check
from mmfg.engine.checkpoint import write_weights_file
from mmfg.registry import MODELS
from mmfg.utils import CheckpointError, ConfigError, register_all_modules
from ..conftest import REPO

register_all_modules()
PRE = 'pretrain_gasa-tiny_1xb64_fashion-mnist-112'
BASE = 'gasa_tiny_1xb64_cluttered-fashion-mnist'
FMPT = BASE + '-fmpt'
ARMS = ('', '-no-grad-tokens', '-depthwise-dir', '-g1', '-softmax-pool')
WORK = 'work_dirs/repro/gasa_cluttered-112'


def cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'gasa', name + '.py'))


def _weights(path, model_cfg, seed=0):
    """A published weights file of ``model_cfg`` with random N(0, 1)
    tensors (as tools/misc/publish_model.py writes it); its state dict."""
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    state = model.state_dict()
    write_weights_file(str(path), state, dict(epoch=4))
    return str(path), state


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    return _weights(
        tmp_path_factory.mktemp('pre') / 'weights.pth',
        cfg(PRE).model)


def _build(name, checkpoint):
    """The arm's model initialised from ``checkpoint``, and the same model
    as built (same seed, before any initialisation)."""
    model_cfg = copy.deepcopy(cfg(name).model)
    model_cfg.backbone.init_cfg.checkpoint = checkpoint
    torch.manual_seed(1)
    model = MODELS.build(model_cfg)
    built = copy.deepcopy(model.state_dict())
    model.init_weights()
    return model, built


# ---------------------------------------------------------------- configs
def test_pretraining_is_the_plain_hybrid_on_plain_images_at_112():
    pre, arm = cfg(PRE), cfg(FMPT + '-no-grad-tokens')
    # the no-token arm's backbone, with nothing loaded into it
    backbone = copy.deepcopy(arm.model.backbone)
    backbone.pop('init_cfg')
    assert pre.model.backbone == backbone
    assert pre.model.backbone.grad_tokens is None
    assert pre.model.backbone.img_size == 112
    assert pre.model.head == arm.model.head  # 10 classes, label smoothing
    # all 60k plain images resized once to 112 (bilinear), no augmentation
    loader = pre.train_dataloader
    assert loader.dataset.type == 'FashionMNIST'
    assert loader.dataset.split == 'train' and 'indices' not in loader.dataset
    resize = [dict(type='Resize', scale=112, interpolation='bilinear')]
    assert loader.dataset.pre_pipeline == resize
    assert pre.val_dataloader.dataset.pre_pipeline == resize
    assert [t.type for t in loader.dataset.pipeline] == ['PackInputs']
    # inputs normalised as the study's canvases
    assert (pre.data_preprocessor.mean, pre.data_preprocessor.std) == \
        (arm.data_preprocessor.mean, arm.data_preprocessor.std)
    # the study's recipe shape: AdamW, warm-up + cosine over all epochs
    assert pre.optim_wrapper == arm.optim_wrapper
    assert loader.batch_size == arm.train_dataloader.batch_size == 64
    warmup, cosine = pre.param_scheduler
    assert warmup == arm.param_scheduler[0]
    assert cosine.type == 'CosineAnnealingLR' and cosine.eta_min == 0
    assert cosine.end == pre.train_cfg.max_epochs == 4


@pytest.mark.parametrize('arm', ARMS)
def test_fmpt_arm_is_the_scratch_arm_plus_the_pretrained_backbone(arm):
    scratch, fmpt = cfg(BASE + arm), cfg(FMPT + arm)
    assert 'init_cfg' not in scratch.model.backbone  # unchanged: scratch
    init = fmpt.model.backbone.pop('init_cfg')
    assert init == dict(
        type='Pretrained',
        checkpoint=f'{WORK}/{PRE}/weights.pth',
        prefix='backbone.')
    for key in scratch:
        assert fmpt[key] == scratch[key], key
    assert set(fmpt) - set(scratch) == {'pretrained'}


# ---------------------------------------------------------------- loading
@pytest.mark.parametrize('arm', ARMS)
def test_every_arm_loads_all_but_the_token_layers(pretrained, arm):
    path, want = pretrained
    model, built = _build(FMPT + arm, path)
    got = model.state_dict()
    pre_keys = {
        k[len('backbone.'):]
        for k in want if k.startswith('backbone.')
    }
    arm_keys = set(model.backbone.state_dict())
    # what the pre-training lacks: exactly the gradient tokenizers, found
    # on the built model (none without tokens)
    new = arm_keys - pre_keys
    assert new == init_check.new_layer_keys(model.backbone)
    assert not pre_keys - arm_keys  # nothing of the pre-training unused
    if arm == '-no-grad-tokens':
        assert new == set()
    else:
        assert new and all('.grad_tokens.' in k for k in new)
        assert {k.split('.')[1] for k in new} == {'0', '1'}  # both stages
    for k in pre_keys:  # loaded as they are
        torch.testing.assert_close(
            got['backbone.' + k], want['backbone.' + k], rtol=0, atol=0)
    for k in new:  # as built: nothing loaded into them
        torch.testing.assert_close(
            got['backbone.' + k], built['backbone.' + k], rtol=0, atol=0)
    # the head is new (the file's N(0, 1) head is not loaded)
    assert got['head.fc.weight'].std() < 0.1
    # the check agrees
    out = init_check.check_model(model, want)
    assert set(out['new']) == new and set(out['loaded']) == pre_keys


def test_token_grids_are_the_pretraining_grids():
    """112 px plain images and 112 px canvases: both transformer stages on
    14x14 and 7x7 grids, so the relative position tables and the token
    layer's reference grids are the same."""
    grids = {}
    for name in (PRE, FMPT, FMPT + '-g1'):
        model_cfg = copy.deepcopy(cfg(name).model)
        model_cfg.backbone.pop('init_cfg', None)
        backbone = MODELS.build(model_cfg.backbone).eval()
        seen = []
        for stage in backbone.attn_stages:
            stage.patch_embed.register_forward_hook(
                lambda m, i, o: seen.append(tuple(o[1])))
        with torch.no_grad():
            backbone(torch.zeros(1, 1, 112, 112))
        tables = [
            block.attn.rel_pos.grid_size for stage in backbone.attn_stages
            for block in stage.blocks
        ]
        grids[name] = (seen, sorted(set(tables)))
        tokens = [s.grad_tokens for s in backbone.attn_stages]
        if name != PRE:
            num = 1 if name.endswith('-g1') else 4
            assert [tuple(t.token_weight.shape) for t in tokens] == \
                [(num, 14, 14), (num, 7, 7)]
    assert set(map(str, grids.values())) == {
        str(([(14, 14), (7, 7)], [(7, 7), (14, 14)]))
    }


# ---------------------------------------------------------------- refusals
def test_mmengine_only_warns_where_the_check_refuses(tmp_path):
    """A pre-training at 56 px (7x7 / 4x4 grids) has other relative
    position tables: MMEngine's Pretrained init logs it and goes on; the
    check names the tensors."""
    model_cfg = copy.deepcopy(cfg(PRE).model)
    model_cfg.backbone.img_size = 56
    path, state = _weights(tmp_path / 'w56.pth', model_cfg)
    model, _ = _build(FMPT, path)  # no exception
    with pytest.raises(
            CheckpointError,
            match='shape mismatch for attn_stages.0.blocks.0.attn.'
            r'rel_pos.relative_position_bias_table \(170, 4\) in '
            r'the file, \(730, 4\) in the model'):
        init_check.check_model(model, state)


def test_check_refuses_missing_and_unexpected_tensors(pretrained):
    path, want = pretrained
    model, _ = _build(FMPT + '-no-grad-tokens', path)
    lacking = {k: v for k, v in want.items() if k != 'backbone.norm.weight'}
    with pytest.raises(
            CheckpointError, match=r'lack norm.weight \(only the gradient'):
        init_check.check_model(model, lacking)
    # a GASA model's weights are no plain-hybrid pre-training
    gasa = MODELS.build(copy.deepcopy(cfg(BASE).model)).state_dict()
    with pytest.raises(
            CheckpointError,
            match='keys the model lacks: '
            r'attn_stages.0.grad_tokens.conv_h.weight, .*more\)'):
        init_check.check_model(model, gasa)
    g1, _ = _build(FMPT + '-g1', path)
    with pytest.raises(CheckpointError, match='token_weight'):
        init_check.check_model(g1, gasa)
    with pytest.raises(CheckpointError, match='no "backbone.\\*" tensors'):
        init_check.check_model(model, {'head.fc.weight': torch.zeros(1)})


def test_cli_checks_every_arm(pretrained, capsys):
    path, _ = pretrained
    configs = [f'configs/gasa/{FMPT}{arm}.py' for arm in ARMS]
    init_check.main([path] + [osp.join(REPO, c) for c in configs])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5
    assert lines[1] == (f'ok {FMPT}-no-grad-tokens.py: 122 backbone tensors '
                        'loaded, 0 new (gradient tokenizers)')
    assert all(' 12 new ' in line for i, line in enumerate(lines) if i != 1)
    with pytest.raises(ConfigError, match='not a Pretrained init'):
        init_check.main([path, osp.join(REPO, 'configs/gasa', BASE + '.py')])


# ---------------------------------------------------------------- script
def _script(tmp_path, **env):
    return subprocess.run(['bash', 'experiments/gasa/repro.sh'],
                          cwd=REPO,
                          env=dict(
                              os.environ,
                              WORK=str(tmp_path / 'w'),
                              LOCK='',
                              PYTHON='python',
                              **env),
                          capture_output=True,
                          text=True,
                          timeout=60)


def test_dry_run_pretrains_publishes_checks_then_fine_tunes(tmp_path):
    proc = _script(tmp_path, DRY_RUN='1', SEEDS='3')
    assert proc.returncode == 0, proc.stderr
    cmds = [ln[2:] for ln in proc.stdout.splitlines() if ln.startswith('+ ')]
    pre_dir = f'{tmp_path}/w/{PRE}'
    ckpt = f'{pre_dir}/weights.pth'
    assert cmds[0] == (f'python tools/train.py configs/gasa/{PRE}.py '
                       f'--work-dir {pre_dir} --cfg-options randomness.seed=0')
    assert cmds[1] == ('python tools/misc/publish_model.py '
                       f'{pre_dir}/epoch_4.pth {ckpt}')
    assert cmds[2] == ('python -m experiments.gasa.init_check ' + ckpt + ' ' +
                       ' '.join(f'configs/gasa/{FMPT}{a}.py' for a in ARMS))
    assert len(cmds) == 3 + len(ARMS)
    for arm, cmd in zip(ARMS, cmds[3:]):
        assert cmd.startswith(f'python tools/train.py configs/gasa/{FMPT}'
                              f'{arm}.py --work-dir {tmp_path}/w/{FMPT}'
                              f'{arm}_seed3 --cfg-options randomness.seed=3 '
                              f'model.backbone.init_cfg.checkpoint={ckpt} ')
        assert 'train_cfg.max_epochs=10 param_scheduler.1.end=10' in cmd
    assert not (tmp_path / 'w').exists()  # nothing written


def test_existing_weights_skip_the_pretraining(tmp_path):
    pre_dir = tmp_path / 'elsewhere'
    pre_dir.mkdir()
    (pre_dir / 'weights.pth').write_bytes(b'')
    proc = _script(
        tmp_path, DRY_RUN='1', SEEDS='0', ARMS="''", PRETRAIN_DIR=str(pre_dir))
    assert proc.returncode == 0, proc.stderr
    assert f'[skip] pre-training: {pre_dir}/weights.pth exists' in proc.stdout
    cmds = [ln[2:] for ln in proc.stdout.splitlines() if ln.startswith('+ ')]
    assert [c.split()[1] for c in cmds] == ['-m', 'tools/train.py']
    assert f'model.backbone.init_cfg.checkpoint={pre_dir}/weights.pth' in \
        cmds[1]


def test_another_pretraining_length_keeps_the_cosine_over_it(tmp_path):
    proc = _script(
        tmp_path, DRY_RUN='1', SEEDS='0', ARMS="''", PRETRAIN_EPOCHS='8')
    assert proc.returncode == 0, proc.stderr
    cmds = [ln[2:] for ln in proc.stdout.splitlines() if ln.startswith('+ ')]
    assert cmds[0].endswith('randomness.seed=0 train_cfg.max_epochs=8 '
                            'param_scheduler.1.end=8')
    assert f'{PRE}/epoch_8.pth' in cmds[1]


def test_init_scratch_runs_the_old_arms_without_pretraining(tmp_path):
    proc = _script(tmp_path, DRY_RUN='1', SEEDS='0', INIT='scratch')
    assert proc.returncode == 0, proc.stderr
    cmds = [ln[2:] for ln in proc.stdout.splitlines() if ln.startswith('+ ')]
    assert len(cmds) == len(ARMS)
    for arm, cmd in zip(ARMS, cmds):
        assert cmd.startswith(f'python tools/train.py configs/gasa/{BASE}'
                              f'{arm}.py --work-dir {tmp_path}/w/{BASE}{arm}'
                              '_seed0 --cfg-options randomness.seed=0 '
                              'train_dataloader.dataset.indices=12000 ')
        assert 'init_cfg' not in cmd


def test_lr_sweep_sets_every_arms_lr_and_shares_the_pretraining(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'WORK'}
    proc = subprocess.run(['bash', 'experiments/gasa/repro.sh'],
                          cwd=REPO,
                          env=dict(
                              env,
                              LR='2e-4',
                              DRY_RUN='1',
                              SEEDS='1',
                              LOCK='',
                              PYTHON='python'),
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    cmds = [ln[2:] for ln in proc.stdout.splitlines() if ln.startswith('+ ')]
    # one pre-training for every lr: in the study's own folder, at its lr
    assert cmds[0].split()[4] == f'{WORK}/{PRE}'
    assert 'optimizer.lr' not in cmds[0]
    assert f'{WORK}/{PRE}/weights.pth' in cmds[2]
    for arm, cmd in zip(ARMS, cmds[3:]):
        assert cmd.split()[4] == f'{WORK}_lr2e-4/{FMPT}{arm}_seed1'
        assert cmd.count('optim_wrapper.optimizer.lr=2e-4') == 1
    assert len(cmds) == 3 + len(ARMS)


@pytest.mark.parametrize('env, message', [
    (dict(LR='fast'), "LR 'fast' is not a positive number"),
    (dict(LR='-1e-3'), "LR '-1e-3' is not a positive number"),
    (dict(INIT='imagenet'), "unknown INIT 'imagenet'"),
    (dict(ARMS="'' -g2"), "unknown arm '-g2' in ARMS"),
])
def test_script_refuses_a_bad_switch_in_one_line(tmp_path, env, message):
    proc = _script(tmp_path, **env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / 'w').exists()
