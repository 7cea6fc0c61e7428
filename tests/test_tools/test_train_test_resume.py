"""tools/train.py, tools/test.py, --resume and tools/dist_train.sh, end to end
on a slice of the real Fashion-MNIST (CPU)."""
import os.path as osp
import re

import pytest
import torch

from ..conftest import BASELINE_CFG, REPO, free_port, run_tool

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')


def small_config(tmp_path, name, max_epochs=2, num_workers=2, extra=''):
    """A config inheriting the real baseline on 512 train / 256 test images."""
    path = tmp_path / name
    path.write_text(f"""_base_ = [{BASELINE_CFG!r}]
train_dataloader = dict(num_workers={num_workers}, dataset=dict(indices=512))
val_dataloader = dict(num_workers=0, dataset=dict(indices=256))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={max_epochs})
default_hooks = dict(logger=dict(interval=1))
""" + extra)
    return str(path)


def load_state(path):
    from mmfg.engine import checkpoint_safe_globals
    with checkpoint_safe_globals():
        ckpt = torch.load(path, map_location='cpu')
    return ckpt


def assert_ok(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def val_top1(log, epoch, mode='val'):
    pattern = (rf'Epoch\({mode}\) \[{epoch}\]' if mode == 'val' else
               r'Epoch\(test\)') + r'.*?accuracy/top1: ([\d.]+)'
    found = re.findall(pattern, log)
    assert found, log[-3000:]
    return float(found[-1])


@pytest.fixture(scope='module')
def straight_run(tmp_path_factory):
    """Uninterrupted 2-epoch run (shared by several tests)."""
    tmp = tmp_path_factory.mktemp('straight')
    cfg = small_config(tmp, 'straight.py')
    proc = run_tool([TRAIN, cfg, '--work-dir', str(tmp / 'work')])
    assert_ok(proc)
    return tmp, cfg, proc.stdout + proc.stderr


def test_train_writes_checkpoint_and_accuracy(straight_run):
    tmp, _, log = straight_run
    assert osp.isfile(tmp / 'work' / 'epoch_2.pth')
    ckpt = load_state(tmp / 'work' / 'epoch_2.pth')
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['iter'] == 8
    # 2 epochs on 512 images already beat chance (10%) by far.
    assert val_top1(log, 2) > 20  # chance is 10%


def test_resume_matches_uninterrupted(straight_run, tmp_path):
    straight_tmp = straight_run[0]
    cfg1 = small_config(tmp_path, 'part1.py', max_epochs=1)
    assert_ok(run_tool([TRAIN, cfg1, '--work-dir', str(tmp_path / 'w')]))
    cfg2 = small_config(tmp_path, 'part2.py', max_epochs=2)
    proc = run_tool([
        TRAIN, cfg2, '--work-dir',
        str(tmp_path / 'w'), '--resume',
        str(tmp_path / 'w' / 'epoch_1.pth')
    ])
    assert_ok(proc)
    assert 'resumed epoch: 1, iter: 4' in proc.stdout + proc.stderr
    resumed = load_state(tmp_path / 'w' / 'epoch_2.pth')
    straight = load_state(straight_tmp / 'work' / 'epoch_2.pth')
    assert resumed['meta']['iter'] == straight['meta']['iter'] == 8
    for key, value in straight['state_dict'].items():
        torch.testing.assert_close(
            resumed['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
    # the optimizer (momentum buffers) must match too
    for a, b in zip(resumed['optimizer']['state'].values(),
                    straight['optimizer']['state'].values()):
        torch.testing.assert_close(
            a['momentum_buffer'], b['momentum_buffer'], rtol=0, atol=1e-6)


def test_resume_auto_from_work_dir(tmp_path):
    cfg1 = small_config(tmp_path, 'a.py', max_epochs=1, num_workers=0)
    assert_ok(run_tool([TRAIN, cfg1, '--work-dir', str(tmp_path / 'w')]))
    cfg2 = small_config(tmp_path, 'b.py', max_epochs=2, num_workers=0)
    proc = run_tool(
        [TRAIN, cfg2, '--work-dir',
         str(tmp_path / 'w'), '--resume'])
    assert_ok(proc)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert load_state(tmp_path / 'w' / 'epoch_2.pth')['meta']['iter'] == 8


def test_test_tool_reproduces_validation(straight_run):
    tmp, cfg, log = straight_run
    proc = run_tool([
        TEST, cfg,
        str(tmp / 'work' / 'epoch_2.pth'), '--work-dir',
        str(tmp / 'test'), '--out',
        str(tmp / 'preds.pkl')
    ])
    assert_ok(proc)
    test_acc = val_top1(proc.stdout + proc.stderr, None, mode='test')
    assert test_acc == val_top1(log, 2)
    assert osp.isfile(tmp / 'preds.pkl')


HOOK = '''
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmfg.registry import HOOKS


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):
    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        torch.save(model.state_dict(),
                   f'{runner.work_dir}/rank{get_rank()}.pth')
'''


def test_dist_train_two_cpu_processes(tmp_path):
    """2 gloo processes x 64 images == 1 process x 128 images (no
    augmentation, no BN): both ranks agree with each other and with the
    single-process run."""
    (tmp_path / 'dump_rank_hook.py').write_text(HOOK)
    extra = """
custom_imports = dict(imports=['dump_rank_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='EpochSeedHook'), dict(type='DumpRankWeightsHook')]
train_dataloader['dataset']['pipeline'] = {{_base_.test_pipeline}}
"""
    env = {'PYTHONPATH': f'{REPO}:{tmp_path}', 'PORT': str(free_port())}
    dist_cfg = small_config(
        tmp_path,
        'dist.py',
        max_epochs=1,
        extra=extra + "train_dataloader['batch_size'] = 64\n")
    proc = run_tool([
        'bash',
        osp.join(REPO, 'tools', 'dist_train.sh'), dist_cfg, '2', '--work-dir',
        str(tmp_path / 'd')
    ],
                    env=env)
    assert_ok(proc)
    log = proc.stdout + proc.stderr
    assert 'gloo' in log.lower() or 'world_size: 2' in log.lower() \
        or 'world size: 2' in log.lower()
    single_cfg = small_config(tmp_path, 'single.py', max_epochs=1, extra=extra)
    assert_ok(
        run_tool([TRAIN, single_cfg, '--work-dir',
                  str(tmp_path / 's')],
                 env=env))
    r0 = torch.load(tmp_path / 'd' / 'rank0.pth')
    r1 = torch.load(tmp_path / 'd' / 'rank1.pth')
    single = torch.load(tmp_path / 's' / 'rank0.pth')
    assert r0.keys() == r1.keys() == single.keys()
    for key in r0:
        torch.testing.assert_close(r0[key], r1[key], rtol=0, atol=0, msg=key)
        torch.testing.assert_close(
            r0[key], single[key], rtol=1e-4, atol=1e-5, msg=key)
    # validation ran on both ranks and was collected
    assert re.search(r'Epoch\(val\) \[1\].*accuracy/top1', log)


def test_resume_never_executes_the_config_stored_in_the_checkpoint(
        straight_run, tmp_path):
    """MMEngine's Runner.resume runs ``Config.fromstring`` on
    ``meta['config']``: a checkpoint whose stored config is Python code must
    not run it (the marker file stays absent) and resumes as usual."""
    marker = tmp_path / 'marker'
    ckpt = load_state(straight_run[0] / 'work' / 'epoch_1.pth')
    ckpt['meta']['config'] = (f"x = open({str(marker)!r}, 'w').write('ran')\n"
                              'gpu_ids = [0, 1, 2]\n')
    crafted = tmp_path / 'crafted.pth'
    torch.save(ckpt, crafted)
    cfg = small_config(tmp_path, 'resume.py', max_epochs=2, num_workers=0)
    proc = run_tool([
        TRAIN, cfg, '--work-dir',
        str(tmp_path / 'w'), '--resume',
        str(crafted)
    ])
    assert_ok(proc)
    assert not marker.exists(), 'the stored config was executed'
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    # the text is kept, inert, in the new run's view of the checkpoint
    from mmfg.engine.checkpoint import config_as_text
    meta = config_as_text(load_state(crafted))['meta']
    assert 'config' not in meta and 'write' in meta['config_text']
