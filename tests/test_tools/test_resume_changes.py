"""``--resume`` with a changed config, through the real ``tools/train.py``:
the config's learning rate and schedule apply (one log line names each
change), another optimizer type and a run with nothing left to train are
refused in one line (mmfg/engine/resume_check.py)."""
import pytest
import torch

from ..conftest import run_tool
from .test_bad_input import error_line
from .test_errors import TRAIN, tiny_config, train

pytestmark = pytest.mark.tools


@pytest.fixture(scope='module')
def epoch1(tmp_path_factory):
    """A real 1-epoch checkpoint of the tiny config (SGD lr 0.02,
    MultiStepLR milestones [3, 4])."""
    tmp = tmp_path_factory.mktemp('resume_src')
    proc = train(tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / 'work' / 'epoch_1.pth'


def resume(tmp_path, ckpt, *options, extra=''):
    tmp_path.mkdir(exist_ok=True)
    cfg = tiny_config(tmp_path, extra=extra)
    args = [
        TRAIN, cfg, '--work-dir',
        str(tmp_path / 'work'), '--resume',
        str(ckpt)
    ]
    if options:
        args += ['--cfg-options', *options]
    return run_tool(args)


def load(path):
    from mmfg.engine import checkpoint_safe_globals
    with checkpoint_safe_globals():
        return torch.load(path, map_location='cpu')


def test_resume_applies_the_new_lr_and_schedule(tmp_path, epoch1):
    """The NaN-loss advice (lower the lr, then --resume) works: the lowered
    lr and the new milestones apply from the resumed epoch, and the log
    says so in one line."""
    proc = resume(tmp_path, epoch1, 'train_cfg.max_epochs=2',
                  'optim_wrapper.optimizer.lr=0.01',
                  'optim_wrapper.optimizer.weight_decay=0.001',
                  'param_scheduler.milestones=[1]')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    lines = [ln for ln in out.splitlines() if 'the config differs' in ln]
    assert len(lines) == 1, out[-3000:]
    line = lines[0]
    assert f'checkpoint {epoch1}' in line
    assert 'optim_wrapper.optimizer.lr 0.02 -> 0.01' in line
    assert 'optim_wrapper.optimizer.weight_decay 0.0001 -> 0.001' in line
    assert 'param_scheduler[0] (MultiStepLR).milestones [3, 4] -> [1]' \
        in line
    assert 'lr now 0.001' in line  # x0.1 at the new milestone, epoch 1
    group = load(tmp_path / 'work' /
                 'epoch_2.pth')['optimizer']['param_groups'][0]
    assert group['initial_lr'] == pytest.approx(0.01)
    assert group['lr'] == pytest.approx(0.001)
    assert group['weight_decay'] == pytest.approx(0.001)
    assert group['momentum'] == pytest.approx(0.9)


def test_resume_refusals(tmp_path, epoch1):
    """Another optimizer type (SGD checkpoint, Adam config: KeyError
    'step' at the first iteration before) and a resume with nothing left
    to train (exit 0 having done nothing before) end in one line."""
    line = error_line(
        resume(
            tmp_path / 'adam',
            epoch1,
            'train_cfg.max_epochs=2',
            extra="optim_wrapper = dict(optimizer=dict(_delete_=True, "
            "type='Adam', lr=0.001))\n"))
    assert line.startswith(f'error: --resume: checkpoint {epoch1} was '
                           'trained with SGD')
    assert "optim_wrapper.optimizer is Adam" in line
    assert f'load_from={epoch1} (without --resume)' in line
    assert "optim_wrapper.optimizer.type='SGD'" in line

    line = error_line(resume(tmp_path / 'done', epoch1))
    assert line == (f'error: --resume: checkpoint {epoch1} ends at epoch 1 '
                    'and train_cfg.max_epochs is 1: there is nothing left '
                    'to train. To train further raise it (--cfg-options '
                    'train_cfg.max_epochs=2); to evaluate the checkpoint '
                    'use tools/test.py')
