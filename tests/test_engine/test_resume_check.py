"""mmfg/engine/resume_check.py on real MMEngine optimizers and schedulers:
the config's settings replace a checkpoint's on resume, with the schedule
recomputed to the resumed epoch; another optimizer type, other parameter
groups and a run with nothing left to train are refused."""
import types

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.optim.scheduler import LinearLR, MultiStepLR

from mmfg.engine.resume_check import (apply_config_on_resume,
                                      check_optimizer_state,
                                      check_something_to_train, snapshot)
from mmfg.utils.errors import CheckpointError, ConfigError

pytestmark = pytest.mark.filterwarnings(
    "ignore:Detected call of `scheduler.step")


def build(lr=0.02, milestones=(3, 4), wd=1e-4, warmup=False):
    model = torch.nn.Linear(2, 2)
    wrapper = OptimWrapper(
        torch.optim.SGD(
            model.parameters(), lr=lr, momentum=0.9, weight_decay=wd))
    schedulers = []
    if warmup:
        schedulers.append(
            LinearLR(wrapper, start_factor=0.1, by_epoch=False, end=3))
    schedulers.append(
        MultiStepLR(wrapper, milestones=list(milestones), gamma=0.1))
    loop = types.SimpleNamespace(
        _max_epochs=5, max_epochs=5, max_iters=20, dataloader=[0] * 4)
    return types.SimpleNamespace(
        optim_wrapper=wrapper,
        param_schedulers=schedulers,
        epoch=0,
        iter=0,
        train_loop=loop)


def train(runner, epochs):
    """Step the schedulers as ParamSchedulerHook does."""
    for _ in range(epochs):
        for _ in range(4):
            runner.optim_wrapper.optimizer.step()
            for s in runner.param_schedulers:
                if not s.by_epoch:
                    s.step()
            runner.iter += 1
        for s in runner.param_schedulers:
            if s.by_epoch:
                s.step()
        runner.epoch += 1


def resume(new, old):
    """What Runner.resume does: the checkpoint's optimizer and scheduler
    state over the config's."""
    new.optim_wrapper.load_state_dict(old.optim_wrapper.state_dict())
    saved = [s.state_dict() for s in old.param_schedulers]
    for s, st in zip(new.param_schedulers, saved):
        s.load_state_dict(dict(st))
    new.epoch, new.iter = old.epoch, old.iter
    return saved


def lr(runner):
    return runner.optim_wrapper.optimizer.param_groups[0]['lr']


def test_changed_lr_and_milestones_apply_from_the_resumed_epoch():
    old = build(warmup=True)
    train(old, 2)
    new = build(lr=0.01, milestones=[1], wd=1e-3, warmup=True)
    fresh = snapshot(new)
    saved = resume(new, old)
    assert lr(new) == pytest.approx(0.02)  # MMEngine: the checkpoint wins
    line = apply_config_on_resume(new, fresh, 'ck.pth', saved)
    assert line.startswith('--resume: the config differs from checkpoint '
                           "ck.pth; using the config's values: ")
    assert 'optim_wrapper.optimizer.lr 0.02 -> 0.01' in line
    assert 'optim_wrapper.optimizer.weight_decay 0.0001 -> 0.001' in line
    assert 'param_scheduler[1] (MultiStepLR).milestones [3, 4] -> [1]' \
        in line
    assert 'epoch 2, iteration 8; lr now 0.001' in line
    # exactly what a run of the new config has after 2 epochs
    ref = build(lr=0.01, milestones=[1], wd=1e-3, warmup=True)
    train(ref, 2)
    assert lr(new) == pytest.approx(lr(ref))
    group = new.optim_wrapper.optimizer.param_groups[0]
    assert group['weight_decay'] == 1e-3 and group['initial_lr'] == 0.01
    for a, b in zip(new.param_schedulers, ref.param_schedulers):
        assert a.last_step == b.last_step
    # the momentum buffers stay the checkpoint's
    state = new.optim_wrapper.optimizer.state_dict()['state']
    assert state == {} or all('momentum_buffer' in v for v in state.values())


def test_same_config_leaves_the_resume_exact():
    old = build()
    train(old, 3)
    new = build()
    fresh = snapshot(new)
    saved = resume(new, old)
    assert apply_config_on_resume(new, fresh, 'ck.pth', saved) is None
    assert lr(new) == pytest.approx(0.002)


def test_checkpoint_without_scheduler_state_is_replayed():
    old = build()
    train(old, 3)
    new = build()
    fresh = snapshot(new)
    new.optim_wrapper.load_state_dict(old.optim_wrapper.state_dict())
    new.epoch, new.iter = 3, 12
    line = apply_config_on_resume(new, fresh, 'ck.pth', None)
    assert 'holds no param scheduler state' in line
    assert lr(new) == pytest.approx(0.002)


def test_another_optimizer_type_is_refused():
    sgd = build()
    train(sgd, 1)
    model = torch.nn.Linear(2, 2)
    adam = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    with pytest.raises(CheckpointError) as info:
        check_optimizer_state(adam, sgd.optim_wrapper.state_dict(), 'ck.pth')
    msg = str(info.value)
    assert msg.startswith('--resume: checkpoint ck.pth was trained with SGD '
                          '(its optimizer state holds ')
    assert "optim_wrapper.optimizer is Adam" in msg
    assert 'load_from=ck.pth (without --resume)' in msg
    assert "optim_wrapper.optimizer.type='SGD'" in msg
    # the same type passes; other parameter groups do not
    check_optimizer_state(sgd.optim_wrapper, sgd.optim_wrapper.state_dict(),
                          'ck.pth')
    state = sgd.optim_wrapper.state_dict()
    state['param_groups'] = state['param_groups'] * 2
    with pytest.raises(CheckpointError, match='has 2 parameter group'):
        check_optimizer_state(sgd.optim_wrapper, state, 'ck.pth')


def test_nothing_left_to_train():
    runner = build()
    runner.epoch, runner.iter = 5, 20
    with pytest.raises(ConfigError) as info:
        check_something_to_train(runner, 'ck.pth')
    assert str(info.value).startswith(
        '--resume: checkpoint ck.pth ends at epoch 5 and '
        'train_cfg.max_epochs is 5: there is nothing left to train')
    runner.epoch = 4
    check_something_to_train(runner, 'ck.pth')
    runner.train_loop = types.SimpleNamespace(max_iters=20)
    with pytest.raises(
            ConfigError,
            match='ends at iteration 20 and '
            'train_cfg.max_iters is 20'):
        check_something_to_train(runner, 'ck.pth')
