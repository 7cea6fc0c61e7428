"""Config mistakes refused before the runner is built
(:mod:`mmfg.engine.config_checks`): one ConfigError naming the key, the
value and what is allowed. The tools run these checks; the subprocess tests
are in tests/test_tools/test_config_mistakes.py."""
import argparse

import pytest
from mmengine.config import Config, DictAction

from mmfg.engine.config_checks import (CfgOptionsAction, check_config,
                                       check_work_dir, load_config,
                                       merge_cfg_options, parse_option_value)
from mmfg.utils import ConfigError
from mmfg.utils.clear_errors import is_user_error, user_message


def base_cfg(**changes):
    cfg = Config(
        dict(
            model=dict(type='ImageClassifier', init_cfg=None),
            train_dataloader=dict(batch_size=32, num_workers=0),
            val_dataloader=dict(batch_size=32, num_workers=0),
            val_cfg=dict(),
            val_evaluator=dict(type='Accuracy'),
            test_dataloader=dict(batch_size=32, num_workers=0),
            test_cfg=dict(),
            test_evaluator=dict(type='Accuracy'),
            train_cfg=dict(by_epoch=True, max_epochs=5, val_interval=1),
            optim_wrapper=dict(
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9)),
            param_scheduler=dict(
                type='MultiStepLR',
                by_epoch=True,
                milestones=[3, 4],
                gamma=0.1),
            custom_hooks=[dict(type='EpochSeedHook')]))
    merge_cfg_options(cfg, changes)
    return cfg


# --------------------------------------------------------------------------
# --cfg-options values
# --------------------------------------------------------------------------
@pytest.mark.parametrize('text', [
    'abc', '1', '-1', '1e-3', 'None', 'True', 'false', '[1,2]', '(1,2)', '1,2',
    '[a,(b,c)]', "'x y'", '[(1,2),[3,4]]', 'abc(d)', '()', '[]'
])
def test_values_read_as_dictaction_reads_them(text):
    ours = parse_option_value(text)
    theirs = DictAction._parse_iterable(text)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize('text,value', [
    ("dict(type='Pretrained', checkpoint='a b.pth')",
     dict(type='Pretrained', checkpoint='a b.pth')),
    ('dict(type=Pretrained, checkpoint=/x/y.pth)',
     dict(type='Pretrained', checkpoint='/x/y.pth')),
    ("{'a': 1, 'b': [1, 2]}", dict(a=1, b=[1, 2])),
    ('[dict(a=1,b=2),dict(c=x)]', [dict(a=1, b=2), dict(c='x')]),
    ('dict(a=dict(b=-1,c=y))', dict(a=dict(b=-1, c='y'))),
])
def test_dict_values_are_read_as_literals(text, value):
    """MMEngine's DictAction recursed without end on the dict(...) ones (a
    comma inside brackets that do not open the value)."""
    assert parse_option_value(text) == value


@pytest.mark.parametrize('text,why', [
    ('f(1,2)', 'not a literal'),
    ('a[1,2]', 'commas inside brackets'),
    ('[1,2', 'unbalanced brackets'),
    ('dict(a, b)', 'is not key=value'),
])
def test_unreadable_values_are_config_errors(text, why):
    with pytest.raises(ConfigError, match=why):
        parse_option_value(text, 'k')


def test_calls_in_values_are_never_made():
    value = parse_option_value("dict(a=__import__('os').getcwd(),b=1)")
    assert value == {'a': "__import__('os').getcwd()", 'b': 1}


def parse(*options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def test_action_reads_key_value_pairs():
    assert parse('a.b=1', 'c=dict(x=1,y=2)') == {'a.b': 1, 'c': dict(x=1, y=2)}


@pytest.mark.parametrize('option,why', [('max_epochs', 'expected KEY=VALUE'),
                                        ('=3', 'is not a config key path'),
                                        ('a..b=1', 'is not a config key')])
def test_action_refuses_malformed_options(option, why):
    with pytest.raises(ConfigError, match=why):
        parse(option)


# --------------------------------------------------------------------------
# merging
# --------------------------------------------------------------------------
def test_dict_replaces_a_none_value():
    cfg = base_cfg(
        **{'model.init_cfg': dict(type='Pretrained', checkpoint='c')})
    assert cfg.model.init_cfg == dict(type='Pretrained', checkpoint='c')


def test_sub_key_of_a_none_value_makes_a_dict():
    cfg = base_cfg(**{'model.init_cfg.type': 'Pretrained'})
    assert cfg.model.init_cfg == dict(type='Pretrained')


def test_dict_merges_into_a_dict():
    cfg = base_cfg(**{'train_cfg': dict(max_epochs=2)})
    assert cfg.train_cfg == dict(by_epoch=True, max_epochs=2, val_interval=1)


@pytest.mark.parametrize('key,why', [
    ('train_cfg.max_epochs.foo', "train_cfg.max_epochs is 5, not a dict"),
    ('custom_hooks.3.x', 'list of 1 item'),
    ('custom_hooks.x', 'list of 1 item'),
    ('trian_cfg.max_epochs', "did you mean 'train_cfg'"),
])
def test_merge_mistakes_are_config_errors(key, why):
    with pytest.raises(ConfigError, match=why):
        base_cfg(**{key: 1})


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------
@pytest.mark.parametrize('key,value,why', [
    ('train_cfg.max_epochs', 'abc', 'a whole number >= 1'),
    ('train_cfg.max_epochs', 0, 'a whole number >= 1'),
    ('train_cfg.max_epochs', -3, 'a whole number >= 1'),
    ('train_cfg.max_epochs', 2.5, 'a whole number >= 1'),
    ('train_cfg.max_epochs', True, 'a whole number >= 1'),
    ('train_cfg.val_interval', 0, 'a whole number >= 1'),
    ('train_cfg.val_interval', -1, 'a whole number >= 1'),
    ('train_cfg.val_begin', 'x', 'a whole number'),
    ('train_cfg.by_epoch', 'yes', 'True or False'),
    ('train_dataloader.batch_size', 0, 'a whole number >= 1'),
    ('train_dataloader.batch_size', -2, 'a whole number >= 1'),
    ('train_dataloader.batch_size', 'abc', 'a whole number >= 1'),
    ('train_dataloader.batch_size', 1.5, 'a whole number >= 1'),
    ('val_dataloader.batch_size', 0, 'a whole number >= 1'),
    ('train_dataloader.num_workers', -1, 'a whole number >= 0'),
    ('optim_wrapper.optimizer.lr', -1, 'a number >= 0'),
    ('optim_wrapper.optimizer.lr', 'abc', 'a number >= 0'),
    ('optim_wrapper.optimizer.momentum', -0.5, 'a number >= 0'),
    ('optim_wrapper.optimizer.weight_decay', -1e-4, 'a number >= 0'),
    ('optim_wrapper.accumulative_counts', 0, 'a whole number >= 1'),
    ('param_scheduler.milestones', [3, 'x'], 'a list of whole numbers'),
    ('param_scheduler.gamma', -0.1, 'a number >= 0'),
    ('param_scheduler.gamma', 'abc', 'a number >= 0'),
])
def test_bad_values_name_key_value_and_what_is_allowed(key, value, why):
    cfg = base_cfg(**{key: value})
    with pytest.raises(ConfigError) as info:
        check_config(cfg, 'train')
    msg = str(info.value)
    assert msg.startswith(f'config key {key} is {value!r}; it must be ')
    assert why in msg


def test_iteration_loop_needs_max_iters_at_least_one():
    cfg = base_cfg(
        **{'train_cfg': dict(_delete_=True, by_epoch=False, max_iters=0)})
    with pytest.raises(ConfigError, match='train_cfg.max_iters is 0'):
        check_config(cfg)


def test_loop_with_both_type_and_by_epoch():
    cfg = base_cfg(**{'train_cfg.type': 'IterBasedTrainLoop'})
    with pytest.raises(ConfigError, match='both type .* and by_epoch'):
        check_config(cfg)


def test_loop_without_by_epoch_or_type():
    cfg = base_cfg(**{'train_cfg': dict(_delete_=True, max_epochs=2)})
    with pytest.raises(ConfigError, match='neither by_epoch nor type'):
        check_config(cfg)


def test_optimizer_class_refusals_are_config_errors():
    cfg = base_cfg(
        **{
            'optim_wrapper.optimizer':
            dict(_delete_=True, type='Adam', lr=0.1, betas=(1.5, 0.9))
        })
    with pytest.raises(
            ConfigError, match='optim_wrapper.optimizer: Adam refuses .*beta'):
        check_config(cfg)


def test_unknown_optimizer_argument_is_explained():
    cfg = base_cfg(**{'optim_wrapper.optimizer.lrr': 0.1})
    with pytest.raises(ConfigError, match="did you mean 'lr'"):
        check_config(cfg)


def test_scheduler_end_before_begin():
    cfg = base_cfg(**{'param_scheduler.begin': 4, 'param_scheduler.end': 2})
    with pytest.raises(ConfigError, match='end must be larger than begin'):
        check_config(cfg)


def test_half_set_triple_is_refused():
    cfg = base_cfg(**{'val_dataloader': None})
    with pytest.raises(ConfigError, match='must be all set or all None'):
        check_config(cfg)


def test_test_mode_checks_only_the_test_loader():
    cfg = base_cfg(**{'train_dataloader.batch_size': 0})
    check_config(cfg, 'test')  # train settings do not matter for testing
    cfg = base_cfg(**{'test_dataloader.batch_size': 0})
    with pytest.raises(ConfigError, match='test_dataloader.batch_size is 0'):
        check_config(cfg, 'test')


def test_good_config_passes():
    assert check_config(base_cfg(), 'train') is not None


# --------------------------------------------------------------------------
# config files
# --------------------------------------------------------------------------
def error_of(call, *args):
    with pytest.raises(Exception) as info:
        call(*args)
    assert is_user_error(info.value), repr(info.value)
    return user_message(info.value)


def test_syntax_error_in_a_base_file_names_file_and_line(tmp_path):
    (tmp_path / 'base.py').write_text('a = 1\nb = dict(x=1\n')
    (tmp_path / 'top.py').write_text("_base_ = ['base.py']\n")
    msg = error_of(load_config, str(tmp_path / 'top.py'))
    assert msg.startswith(f'config file {tmp_path / "base.py"}, line 2: '
                          'Python syntax error')


def test_missing_base_names_the_config_that_lists_it(tmp_path):
    (tmp_path / 'mid.py').write_text("_base_ = ['gone.py']\n")
    (tmp_path / 'top.py').write_text("_base_ = ['mid.py']\n")
    msg = error_of(load_config, str(tmp_path / 'top.py'))
    assert msg.startswith(f'config file {tmp_path / "mid.py"} names the '
                          f'_base_ file {tmp_path / "gone.py"}, which does '
                          'not exist')


def test_exception_in_config_code_names_file_and_line(tmp_path):
    (tmp_path / 'top.py').write_text('a = 1\nb = undefined_name\n')
    msg = error_of(load_config, str(tmp_path / 'top.py'))
    assert msg.startswith(f'config file {tmp_path / "top.py"}, line 2: its '
                          'code raised NameError')


def test_config_folder_and_suffix(tmp_path):
    assert 'is a folder' in error_of(load_config, str(tmp_path))
    (tmp_path / 'c.txt').write_text('a = 1\n')
    assert 'must end with .py' in error_of(load_config,
                                           str(tmp_path / 'c.txt'))


# --------------------------------------------------------------------------
# work dir
# --------------------------------------------------------------------------
def test_work_dir_that_is_a_file_or_below_one(tmp_path):
    afile = tmp_path / 'afile'
    afile.write_text('x')
    assert error_of(
        check_work_dir,
        str(afile)).startswith(f'work dir {afile} is a file, not a folder')
    assert error_of(check_work_dir, str(afile / 'w')).startswith(
        f'work dir {afile / "w"} cannot be created: Not a directory')


def test_work_dir_that_cannot_be_written():
    # /sys refuses new folders and files for every user, root included
    assert error_of(check_work_dir, '/sys/mmfg-work').startswith(
        'work dir /sys/mmfg-work cannot be created: ')
    assert error_of(check_work_dir,
                    '/sys').startswith('work dir /sys is not writable: ')


def test_work_dir_is_created(tmp_path):
    check_work_dir(str(tmp_path / 'a' / 'b'))
    assert (tmp_path / 'a' / 'b').is_dir()
    assert not list((tmp_path / 'a' / 'b').iterdir())
