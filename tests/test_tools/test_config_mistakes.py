"""Mistakes in a config, on the command line or with the work dir end the
real tool with one ``error:`` line naming the file/key/value/path, what is
wrong and how to fix it, and exit status 1, before any data is loaded
(``mmfg.engine.config_checks``; docs/troubleshooting.md).

The cases fail within a second of the tool's start, so each batch runs the
real ``tools/train.py`` / ``tools/test.py`` as ``__main__`` once per case in
one subprocess (``tool_cases.py``), paying the imports once; two cases also
run as a plain ``python tools/train.py`` to show the same line there."""
import json
import os.path as osp
from types import SimpleNamespace

import pytest

from ..conftest import REPO, run_tool
from .test_bad_input import error_line
from .test_errors import tiny_config

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')
DRIVER = osp.join(REPO, 'tests', 'test_tools', 'tool_cases.py')


def opts(*options):
    return ['--cfg-options', *options]


# name -> (arguments after the config, the start of the error line or a
# list of parts it contains); {tmp} is the test's folder
TRAIN_CASES = {
    'max_epochs_abc':
    (opts('train_cfg.max_epochs=abc'),
     "config key train_cfg.max_epochs is 'abc'; it must be a whole number "
     '>= 1 (the number of epochs to train), e.g. --cfg-options '
     'train_cfg.max_epochs=5'),
    'max_epochs_0': (opts('train_cfg.max_epochs=0'),
                     'config key train_cfg.max_epochs is 0; it must be a '
                     'whole number >= 1'),
    'max_epochs_negative': (opts('train_cfg.max_epochs=-3'),
                            'config key train_cfg.max_epochs is -3; it must '
                            'be a whole number >= 1'),
    'max_iters_0': (opts('train_cfg.by_epoch=False', 'train_cfg.max_iters=0'),
                    'config key train_cfg.max_iters is 0; it must be a whole '
                    'number >= 1'),
    'val_interval_0': (opts('train_cfg.val_interval=0'),
                       'config key train_cfg.val_interval is 0; it must be a '
                       'whole number >= 1'),
    'lr_negative': (opts('optim_wrapper.optimizer.lr=-1'),
                    'config key optim_wrapper.optimizer.lr is -1; it must be '
                    'a number >= 0 (the learning rate)'),
    'lr_not_a_number': (opts('optim_wrapper.optimizer.lr=fast'),
                        "config key optim_wrapper.optimizer.lr is 'fast'; it "
                        'must be a number >= 0'),
    'momentum_negative': (opts('optim_wrapper.optimizer.momentum=-0.9'),
                          'config key optim_wrapper.optimizer.momentum is '
                          '-0.9; it must be a number >= 0'),
    'batch_size_0': (opts('train_dataloader.batch_size=0'),
                     'config key train_dataloader.batch_size is 0; it must be '
                     'a whole number >= 1 (images per batch and process)'),
    'batch_size_negative': (opts('train_dataloader.batch_size=-8'),
                            'config key train_dataloader.batch_size is -8'),
    'batch_size_not_whole': (opts('val_dataloader.batch_size=2.5'),
                             'config key val_dataloader.batch_size is 2.5'),
    'num_workers_negative': (opts('train_dataloader.num_workers=-1'),
                             'config key train_dataloader.num_workers is -1; '
                             'it must be a whole number >= 0'),
    'milestones_not_numbers': (opts('param_scheduler.milestones=[a,b]'),
                               "config key param_scheduler.milestones is "
                               "['a', 'b']; it must be a list of whole "
                               'numbers'),
    'half_unset_val': (opts('val_dataloader=None'),
                       'config keys val_dataloader, val_cfg, val_evaluator '
                       'must be all set or all None; val_dataloader is None'),
    'loader_not_a_dict': (opts('train_dataloader=5'),
                          'config key train_dataloader is 5; it must be a '
                          'dict'),
    'option_without_value': (opts('train_cfg.max_epochs'),
                             '--cfg-options train_cfg.max_epochs: expected '
                             'KEY=VALUE'),
    'sub_key_of_a_number':
    (opts('train_cfg.max_epochs.x=1'), '--cfg-options train_cfg.max_epochs.x: '
     'train_cfg.max_epochs is 1, not a dict, so it has '
     "no key 'x'"),
    'dict_value_not_a_literal': (opts('model.init_cfg=dict(a=f(1,2),b=2)'),
                                 '--cfg-options model.init_cfg=dict(a=f(1,2),'
                                 'b=2): cannot read the value'),
    'list_index_out_of_range':
    (opts('custom_hooks.5.type=X'), '--cfg-options custom_hooks.5.type: '
     'custom_hooks is a list of 1 item(s); use an '
     'index 0..0'),
    'work_dir_below_a_file': (['--work-dir', '{tmp}/afile/work'],
                              'work dir {tmp}/afile/work cannot be created: '
                              'Not a directory; choose a folder you can '
                              'write to with --work-dir'),
    'work_dir_is_a_file': (['--work-dir', '{tmp}/afile'],
                           'work dir {tmp}/afile is a file, not a folder'),
    # /sys takes no new folder or file from any user, root included
    'work_dir_cannot_be_created':
    (['--work-dir', '/sys/mmfg-work'], 'work dir /sys/mmfg-work cannot be '
     'created: '),
    'work_dir_not_writable': (['--work-dir',
                               '/sys'], 'work dir /sys is not writable: '),
    'resume_folder': (['--resume', '{tmp}'],
                      '--resume {tmp} is a folder; give a checkpoint file'),
}
# cases with a config of their own: name -> (config text, error start)
TRAIN_CONFIG_CASES = {
    'syntax_error': ('a = 1\nmodel = dict(type=\n',
                     'config file {cfg}, line 2: Python syntax error'),
    'missing_base': ("_base_ = ['../nope/base.py']\n",
                     'config file {cfg} names the _base_ file {nope}, which '
                     'does not exist'),
    'code_raises': ('train_cfg = dict(max_epochs=epochs)\n',
                    'config file {cfg}, line 1: its code raised NameError: '
                    "name 'epochs' is not defined"),
}
# cases that get as far as building the runner (run after the others):
# name -> (arguments, parts of the error line)
TRAIN_LATE_CASES = {
    # MMEngine's DictAction: RecursionError; then MMEngine refused to merge
    # a dict into init_cfg=None. Now the dict reaches the model, whose
    # initialisation looks for the checkpoint it names.
    'init_cfg_dict': (opts('model.init_cfg=dict(type=Pretrained,'
                           'checkpoint={tmp}/no.pth)'), ('{tmp}/no.pth', )),
}
TEST_CASES = {
    'checkpoint_folder':
    (['{tmp}'], 'checkpoint {tmp} is a folder, not a checkpoint '
     'file; give a .pth file'),
    'out_not_a_pickle': (['{tmp}/fake.pth', '--out', '{tmp}/preds.json'],
                         '--out {tmp}/preds.json: the predictions are '
                         'written as a pickle; give a path ending with .pkl'),
    'test_batch_size_0':
    (['{tmp}/fake.pth', *opts('test_dataloader.batch_size=0')],
     'config key test_dataloader.batch_size is 0'),
    'test_work_dir_below_a_file':
    (['{tmp}/fake.pth', '--work-dir',
      '{tmp}/afile/w'], 'work dir {tmp}/afile/w cannot be '
     'created: Not a directory'),
    # a dict value (MMEngine's DictAction: RecursionError) is read, then the
    # next mistake is found
    'test_dict_option_then_batch_size_0': ([
        '{tmp}/fake.pth', *opts(
            'test_dataloader.sampler=dict(type=DefaultSampler,shuffle=False)',
            'test_dataloader.batch_size=0')
    ], 'config key '
                                           'test_dataloader.batch_size is 0'),
}


def run_cases(script, cases, tmp):
    """Run ``script`` once per argument list in one subprocess."""
    with open(tmp / f'{osp.basename(script)}-cases.json', 'w') as f:
        json.dump(cases, f)
    results = tmp / f'{osp.basename(script)}-results.json'
    proc = run_tool([DRIVER, script, f.name, str(results)], timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(results) as f:
        return [
            SimpleNamespace(
                returncode=r['rc'], stdout=r['stdout'], stderr=r['stderr'])
            for r in json.load(f)
        ]


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('mistakes')
    (tmp / 'afile').write_text('not a folder')
    (tmp / 'fake.pth').write_bytes(b'never read: the mistake comes first')
    cfg = tiny_config(tmp)
    work = ['--work-dir', str(tmp / 'work')]

    def fill(args):
        return [a.replace('{tmp}', str(tmp)) for a in args]

    train_names, train_cases = [], []
    for name, (args, _) in TRAIN_CASES.items():
        args = fill(args)
        train_names.append(name)
        train_cases.append([cfg] + args +
                           (work if '--work-dir' not in args else []))
    for name, (text, _) in TRAIN_CONFIG_CASES.items():
        (tmp / f'{name}.py').write_text(text)
        train_names.append(name)
        train_cases.append([str(tmp / f'{name}.py')] + work)
    for name, (args, _) in TRAIN_LATE_CASES.items():
        train_names.append(name)
        train_cases.append([cfg] + fill(args) + work)
    test_names = list(TEST_CASES)
    test_cases = [[cfg] + fill(args) +
                  (work if '--work-dir' not in args else [])
                  for args, _ in TEST_CASES.values()]
    out = dict(zip(train_names, run_cases(TRAIN, train_cases, tmp)))
    out.update(zip(test_names, run_cases(TEST, test_cases, tmp)))
    return tmp, out


def expected(name, tmp):
    cases = {**TRAIN_CASES, **TEST_CASES, **TRAIN_CONFIG_CASES}
    text = cases[name][1]
    return 'error: ' + text.format(
        tmp=tmp, cfg=tmp / f'{name}.py', nope=tmp.parent / 'nope' / 'base.py')


@pytest.mark.parametrize('name',
                         [*TRAIN_CASES, *TRAIN_CONFIG_CASES, *TEST_CASES])
def test_one_error_line(results, name):
    tmp, out = results
    line = error_line(out[name])
    assert line.startswith(expected(name, tmp)), line


@pytest.mark.parametrize('name', list(TRAIN_LATE_CASES))
def test_one_error_line_after_the_runner_is_built(results, name):
    tmp, out = results
    line = error_line(out[name])
    for part in TRAIN_LATE_CASES[name][1]:
        assert part.format(tmp=tmp) in line, line


def test_plain_train_invocation_gives_the_same_line(results, tmp_path):
    """``python tools/train.py ...`` itself (not through tool_cases.py)."""
    tmp, _ = results
    cfg = tiny_config(tmp_path)
    proc = run_tool([
        TRAIN, cfg, '--work-dir',
        str(tmp_path / 'w'), *opts('train_cfg.max_epochs=abc')
    ])
    assert error_line(proc).startswith(expected('max_epochs_abc', tmp))
