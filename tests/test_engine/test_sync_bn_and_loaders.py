"""GPU readiness of the engine and configs, checked on CPU:

* Focus-Longer's neck freezes the attention layer it does not use, so
  2-process DDP (``find_unused_parameters=False``) trains past iteration 2,
  while checkpoints and evaluation-time aggregation swaps keep working;
* ``sync_bn`` is accepted ('torch'/'mmcv'), a wrong value is one error line;
* ``randomness.deterministic=True`` sets ``CUBLAS_WORKSPACE_CONFIG``;
* the FGVC dataset bases have GPU-sized loaders, the CPU-sized ones keep
  theirs; ``pin_memory`` is dropped without a GPU.
"""
import copy
import glob
import os
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmfg.engine.config_checks import check_config, merge_cfg_options
from mmfg.engine.config_diagnosis import explain_unknown_options
from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules
from ..conftest import REPO, free_port
from .ddp_families import unused_parameters

register_all_modules()
DATASETS = osp.join(REPO, 'configs', '_base_', 'datasets')


# --------------------------------------------------- Focus-Longer's neck
def _neck(aggregation):
    return MODELS.build(
        dict(
            type='RecurrentAttentionNeck',
            in_channels=6,
            hidden_channels=4,
            num_layers=1,
            num_steps=3,
            aggregation=aggregation))


class _NeckNet(nn.Module):
    """Neck + linear classifier: ``(B, 6)`` -> ``(B, 2)``."""

    def __init__(self, aggregation):
        super().__init__()
        self.neck = _neck(aggregation)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.neck(x)[0])


def _train_ddp(aggregation, rank, unfreeze=False):
    """3 SGD iterations of a DDP-wrapped :class:`_NeckNet`
    (``find_unused_parameters=False``); returns its state dict."""
    torch.manual_seed(0)
    model = _NeckNet(aggregation)
    if unfreeze:
        model.neck.attention.requires_grad_(True)  # as before the fix
    net = nn.parallel.DistributedDataParallel(
        model, find_unused_parameters=False)
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad],
                          lr=0.1)
    gen = torch.Generator().manual_seed(rank)
    for _ in range(3):  # iteration 2 is where an unused parameter fails
        loss = net(torch.randn(4, 6, generator=gen)).logsumexp(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _ddp_worker(rank, port, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.distributed.init_process_group('gloo', rank=rank, world_size=2)
    try:
        res = {how: _train_ddp(how, rank) for how in DDP_AGGREGATIONS}
        try:  # the control: the attention layer trainable under 'sum'
            _train_ddp('sum', rank, unfreeze=True)
            res['unfrozen'] = 'trained'
        except RuntimeError as exc:
            res['unfrozen'] = str(exc)
        torch.save(res, f'{out}/rank{rank}.pth')
    finally:
        torch.distributed.destroy_process_group()


DDP_AGGREGATIONS = ('sum', 'last', 'all', 'attention')


def test_neck_trains_three_ddp_iterations(tmp_path):
    """2 gloo processes, ``find_unused_parameters=False``: with the unused
    attention layer trainable (as before it was frozen) DDP stops at
    iteration 2; frozen, every aggregation trains and both ranks end with
    the same weights, the attention layer still in the state dict."""
    torch.multiprocessing.spawn(
        _ddp_worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1))
    assert 'did not receive grad' in r0['unfrozen'] or \
        'finished reduction' in r0['unfrozen'], r0['unfrozen']
    for how in DDP_AGGREGATIONS:
        assert 'neck.attention.weight' in r0[how]  # for evaluation swaps
        for key in r0[how]:
            torch.testing.assert_close(
                r0[how][key], r1[how][key], rtol=0, atol=0, msg=(how, key))


def test_neck_freezes_only_the_unused_attention():
    for how in ('sum', 'mean', 'last', 'step', 'all'):
        m = _neck(how)
        assert not any(p.requires_grad for p in m.attention.parameters())
        assert all(p.requires_grad for p in m.lstm.parameters())
        assert 'attention.weight' in m.state_dict()
    m = _neck('attention')
    assert all(p.requires_grad for p in m.parameters())
    # a built neck switched freely, both ways
    m.aggregation = 'sum'
    assert not m.attention.weight.requires_grad
    m.aggregation = 'attention'
    assert m.attention.weight.requires_grad


def test_no_unused_parameters_and_swaps_after_training():
    """One step: no trainable parameter without a gradient (the DDP
    condition) for every aggregation; the optimizer holds every parameter;
    a 'sum' model's weights load into an 'attention' neck and back, and an
    evaluation-time swap to 'attention' uses the stored attention layer."""
    torch.manual_seed(0)
    x = torch.randn(5, 6)
    for how in ('attention', 'sum', 'last', 'step'):
        net = _NeckNet(how)
        net(x).sum().backward()
        unused = [
            n for n, p in net.named_parameters()
            if p.requires_grad and p.grad is None
        ]
        assert not unused, (how, unused)
    summed = _NeckNet('sum')
    wrapper = build_optim_wrapper(summed,
                                  dict(optimizer=dict(type='SGD', lr=0.1)))
    n_opt = sum(len(g['params']) for g in wrapper.optimizer.param_groups)
    assert n_opt == len(list(summed.parameters()))
    before = summed.neck.attention.weight.detach().clone()
    loss = summed(x).sum()
    wrapper.update_params(loss)
    torch.testing.assert_close(summed.neck.attention.weight, before)
    attn = _NeckNet('attention')
    attn.load_state_dict(summed.state_dict(), strict=True)
    summed.neck.aggregation = 'attention'  # Table 5's swap
    with torch.no_grad():
        torch.testing.assert_close(summed(x), attn(x))


def test_unused_parameters_helper_finds_them():
    """The helper of the family checks: an extra unused module is named."""
    from mmpretrain.structures import DataSample
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
            neck=dict(
                type='RecurrentAttentionNeck',
                in_channels=32,
                hidden_channels=8,
                num_steps=2,
                aggregation='sum'),
            head=dict(
                type='LinearClsHead',
                num_classes=3,
                in_channels=8,
                loss=dict(type='CrossEntropyLoss'))))
    batch = dict(
        inputs=[torch.randint(0, 255, (1, 28, 28), dtype=torch.uint8)] * 2,
        data_samples=[DataSample().set_gt_label(i) for i in (0, 2)])
    assert unused_parameters(model, batch) == []
    model.neck.attention.requires_grad_(True)  # as before the fix
    assert unused_parameters(
        model, batch) == ['neck.attention.weight', 'neck.attention.bias']


# ------------------------------------------------------------------ sync_bn
def _train_cfg(**extra):
    return Config(
        dict(
            model=dict(type='X'),
            train_dataloader=dict(batch_size=2, num_workers=0),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            **extra))


@pytest.mark.parametrize('value', ['torch', 'mmcv', None])
def test_sync_bn_accepted(value):
    cfg = _train_cfg()
    explain_unknown_options(cfg, {'sync_bn': value})  # a Runner key
    merge_cfg_options(cfg, {'sync_bn': value})
    assert cfg.sync_bn == value
    check_config(cfg, 'train')


@pytest.mark.parametrize('value', ['apex', 'Torch', True, 1])
def test_wrong_sync_bn_is_one_line(value):
    cfg = merge_cfg_options(_train_cfg(), {'sync_bn': value})
    with pytest.raises(ConfigError) as err:
        check_config(cfg, 'train')
    msg = str(err.value)
    assert '\n' not in msg
    assert msg.startswith(f'config key sync_bn is {value!r}')
    assert "'torch'" in msg and "'mmcv'" in msg


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_sync_bn_on_cpu_ddp_is_one_line():
    """SyncBatchNorm refuses CPU tensors: a gloo job with sync_bn stops
    before the process group starts, naming the fix."""
    from mmfg.engine import setup_distributed
    with pytest.raises(ConfigError, match='sync_bn=None') as err:
        setup_distributed(
            _train_cfg(sync_bn='torch', env_cfg=dict()), 'pytorch')
    assert '\n' not in str(err.value)


# ------------------------------------------------------------- determinism
def test_deterministic_sets_cublas_workspace(monkeypatch):
    from mmfg.engine.runner import FGRunner
    runner = FGRunner.__new__(FGRunner)
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    old = (torch.are_deterministic_algorithms_enabled(),
           torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    try:
        runner.set_randomness(3, deterministic=False)
        assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
        runner.set_randomness(3, deterministic=True)
        assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
        assert torch.are_deterministic_algorithms_enabled()
        monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', ':16:8')  # the user's
        runner.set_randomness(3, deterministic=True)
        assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':16:8'
    finally:
        torch.use_deterministic_algorithms(old[0])
        torch.backends.cudnn.deterministic = old[1]
        torch.backends.cudnn.benchmark = old[2]


# ------------------------------------------------------------- the loaders
#: dataset bases of the real fine-grained datasets (GPU-sized loaders)
FGVC_BASES = sorted(
    osp.basename(p) for p in glob.glob(osp.join(DATASETS, '*.py'))
    if osp.basename(p).startswith(('cub', 'nabirds', 'birdsnap', 'stanford-',
                                   'fgvc', 'flowers102', 'inat2018',
                                   'focus-longer_', 'racnn-lowres')))
#: CPU-sized: MNIST-style, CIFAR-10, Imagenette (unchanged)
CPU_BASES = ('cls_loaders.py', 'fashion-mnist_bs128_28.py',
             'cluttered-fashion-mnist_bs128_112.py', 'cifar10_bs128_32.py',
             'mnist_bs128_28.py', 'imagenette_bs64_128.py')


@pytest.mark.parametrize('name', FGVC_BASES)
def test_fgvc_bases_have_gpu_sized_loaders(name):
    cfg = Config.fromfile(osp.join(DATASETS, name))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].num_workers == 8, (name, loader)
        assert cfg[loader].pin_memory is True, (name, loader)
    # exact --resume: training workers re-seeded every epoch
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.train_dataloader.worker_init_fn == dict(
        type='mmfg.seed_numpy_from_torch')
    assert cfg.val_dataloader.persistent_workers is True


def test_fgvc_bases_found():
    assert len(FGVC_BASES) >= 40
    assert 'cub_cs-parts_299.py' in FGVC_BASES
    assert not set(FGVC_BASES) & set(CPU_BASES)


@pytest.mark.parametrize('name', CPU_BASES)
def test_cpu_sized_bases_unchanged(name):
    cfg = Config.fromfile(osp.join(DATASETS, name))
    assert cfg.train_dataloader.num_workers == 2
    assert not cfg.train_dataloader.get('pin_memory', False)


def test_runtime_cudnn_benchmark_and_seed():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    assert cfg.env_cfg.cudnn_benchmark is True
    assert cfg.randomness == dict(seed=0, deterministic=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_pin_memory_dropped_without_gpu():
    from torch.utils.data import TensorDataset

    from mmfg.engine.runner import FGRunner
    cfg = dict(
        dataset=TensorDataset(torch.arange(4.)),
        batch_size=2,
        num_workers=0,
        pin_memory=True,
        sampler=dict(type='DefaultSampler', shuffle=False))
    loader = FGRunner.build_dataloader(copy.deepcopy(cfg), seed=0)
    assert loader.pin_memory is False
    assert cfg['pin_memory'] is True  # the config itself is left alone
