"""Config mistakes caught before the runner is built, each as one
:class:`~mmfg.utils.errors.ConfigError` (or an OS error naming the path)
that says which file, key or value is wrong and how to fix it.

- :func:`load_config`: a config path that is a folder or has an unsupported
  suffix, a Python syntax error (file and line, in the config or any of its
  ``_base_`` files), a ``_base_`` file that does not exist (and which config
  names it), an exception raised by the config's own code (file and line),
  duplicate keys among ``_base_`` files, a failing ``custom_imports``.
  Configs are Python and trusted input by nature: this changes only the
  messages.
- :class:`CfgOptionsAction` / :func:`parse_option_value`: ``--cfg-options``
  values, including ``dict(k=v, ...)`` / ``{'k': v}`` values read as
  literals (MMEngine's ``DictAction`` recurses without end on a value such
  as ``dict(a=1, b=2)``: a comma inside brackets that do not open the
  value), a ``KEY`` without ``=VALUE``, unbalanced brackets.
- :func:`merge_cfg_options`: a dict given for a key whose value is ``None``
  or not a dict replaces it (MMEngine refuses to merge it), a sub-key of a
  key that is neither a dict nor ``None``, a list index out of range.
- :func:`check_config`: types and ranges of the values MMEngine or torch
  would only refuse with a traceback deep in the run: the train loop
  (``max_epochs``/``max_iters``, ``val_interval``, ``val_begin``,
  ``by_epoch``), the data loaders (``batch_size``, ``num_workers``), the
  optimizer (``lr``, ``momentum``, ``weight_decay``, ... and whatever the
  optimizer class itself refuses), ``accumulative_counts``, the parameter
  schedulers, ``auto_scale_lr.base_batch_size``, ``sync_bn`` (``'torch'``
  or ``'mmcv'``, what MMEngine's ``convert_sync_batchnorm`` takes), and the
  dataloader/cfg/evaluator triples MMEngine needs all set or all unset.
- :func:`check_work_dir`: a work dir that cannot be created or written to
  (read-only, a file in its way, no permission), naming the path and the
  operating system's reason.
"""
import argparse
import ast
import math
import os
import os.path as osp
import re
import tempfile
import traceback

from mmengine.config import Config, ConfigDict

from mmfg.utils.errors import ConfigError
from .config_diagnosis import explain_type_error, explain_unknown_options

CONFIG_SUFFIXES = ('.py', '.json', '.yaml', '.yml')


# --------------------------------------------------------------------------
# loading a config file
# --------------------------------------------------------------------------
def _base_files(path):
    """The resolved ``_base_`` paths a syntactically valid config names."""
    if not path.endswith('.py'):
        return []
    try:
        bases = Config._get_base_files(path)
    except Exception:  # noqa: BLE001 - best effort, for messages only
        return []
    out = []
    for base in bases:
        try:
            out.append(osp.abspath(Config._get_cfg_path(base, path)[0]))
        except Exception:  # noqa: BLE001 - e.g. an uninstalled package
            continue
    return out


def _config_tree(path):
    """``(file, error)`` for the config and every ``_base_`` file below it
    (depth first); ``error`` is the file's SyntaxError, the OSError of
    reading it, or None."""
    seen = set()

    def walk(file):
        if file in seen:
            return
        seen.add(file)
        try:
            with open(file, encoding='utf-8') as f:
                text = f.read()
            if file.endswith('.py'):
                ast.parse(text, filename=file)
        except (SyntaxError, OSError, UnicodeDecodeError) as exc:
            yield file, exc
            return
        yield file, None
        for base in _base_files(file):
            yield from walk(base)

    yield from walk(osp.abspath(path))


def _syntax_error(path, exc):
    for file, err in _config_tree(path):
        if isinstance(err, SyntaxError):
            exc = err
            break
    else:
        file = path
    where = f'config file {file}'
    if exc.lineno:
        where += f', line {exc.lineno}'
    code = (exc.text or '').strip()
    shown = f': {code}' if code else ''
    return ConfigError(f'{where}: Python syntax error ({exc.msg}){shown}; '
                       'fix the Python syntax there')


def _missing_base(path, exc):
    missing = osp.abspath(os.fsdecode(exc.filename))
    for file, _ in _config_tree(path):
        if missing in _base_files(file):
            return FileNotFoundError(
                f'config file {file} names the _base_ file {missing}, which '
                'does not exist; fix the path in its _base_ list (relative '
                'paths are relative to the folder of the config that names '
                'them)')
    return None


def _code_error(path, exc):
    """ConfigError naming the config file and line whose code raised
    ``exc``; None when no config file is in the traceback."""
    files = {file for file, _ in _config_tree(path)}
    frames = [
        fr for fr in traceback.extract_tb(exc.__traceback__)
        if osp.abspath(fr.filename) in files
    ]
    if not frames:
        return None
    frame = frames[-1]
    return ConfigError(
        f'config file {frame.filename}, line {frame.lineno}: its code '
        f'raised {type(exc).__name__}: {" ".join(str(exc).split())}; fix '
        'the config there')


def check_config_path(path):
    """``path`` names an existing file with a config suffix."""
    if osp.isdir(path):
        raise IsADirectoryError(
            f'config {path} is a folder, not a config file; give a .py '
            'config file (e.g. one under configs/)')
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    if not path.endswith(CONFIG_SUFFIXES):
        raise ConfigError(
            f'config file {path} is not a config: its name must end with '
            f'{", ".join(CONFIG_SUFFIXES)} (mmfg configs are .py files)')


def load_config(path):
    """``Config.fromfile(path)`` with every way a config file can be wrong
    turned into one user error (see the module docstring)."""
    check_config_path(path)
    try:
        return Config.fromfile(path)
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from exc
    except FileNotFoundError as exc:
        err = _missing_base(path, exc) if exc.filename else None
        if err is None:
            raise
        raise err from exc
    except ImportError as exc:
        if 'custom modules' not in str(exc):
            err = _code_error(path, exc)
            if err is None:
                raise
            raise err from exc
        cause = exc.__cause__ or exc
        raise ConfigError(
            f'config file {path}: custom_imports cannot be imported '
            f'({type(cause).__name__}: {cause}); check the module names in '
            'custom_imports and that their folder is on PYTHONPATH') from exc
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - the config's own code
        if isinstance(exc, KeyError) and 'Duplicate key' in str(exc):
            raise ConfigError(
                f'config file {path}: {exc.args[0]}; two _base_ files set '
                'the same top-level key: keep it in one of them or set it '
                'in this config instead') from exc
        err = _code_error(path, exc)
        if err is None:
            raise
        raise err from exc


# --------------------------------------------------------------------------
# --cfg-options
# --------------------------------------------------------------------------
_KEY_RE = re.compile(r'^[A-Za-z_]\w*(\.\w+)*$')
_CALL_OR_DICT_RE = re.compile(r'^\s*(\w+\s*\(.*\)|\{.*\})\s*$', re.S)
_DICT_CALL_RE = re.compile(r'^dict\s*\((.*)\)$', re.S)


class _NotLiteral(ValueError):
    """An expression that is not a plain literal."""


def _literal(node):
    """The value of an expression made only of literals, lists, tuples,
    ``{...}`` and ``dict(k=v, ...)``; nothing is called or looked up."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op,
                                                    (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _NotLiteral('a sign before a non-number')
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral('** in a dict')
        return {
            _literal(k): _literal(v)
            for k, v in zip(node.keys, node.values)
        }
    if isinstance(node, ast.Call) and isinstance(
            node.func, ast.Name) and node.func.id == 'dict' \
            and not node.args and all(k.arg for k in node.keywords):
        return {k.arg: _literal(k.value) for k in node.keywords}
    raise _NotLiteral(ast.dump(node)[:60])


def _bad_value(key, text, why):
    return ConfigError(
        f'--cfg-options {key}={text}: cannot read the value ({why}); write '
        'numbers, True/False/None, quoted strings, lists [a,b], tuples '
        "(a,b) and dicts as dict(k=v, ...) or {'k': v} (quote the whole "
        'option in the shell)')


def _scalar(val):
    """MMEngine ``DictAction``'s reading of a single value."""
    for convert in (int, float):
        try:
            return convert(val)
        except ValueError:
            pass
    if val.lower() in ('true', 'false'):
        return val.lower() == 'true'
    if val == 'None':
        return None
    return val


def _find_next_comma(string):
    """Index of the first comma outside brackets (``len`` when none)."""
    depth = 0
    for idx, char in enumerate(string):
        if char in '([{':
            depth += 1
        elif char in ')]}':
            depth -= 1
        elif char == ',' and depth == 0:
            return idx
    return len(string)


def parse_option_value(text, key='KEY'):
    """The value of ``--cfg-options KEY=text``: MMEngine's ``DictAction``
    rules (``1``, ``1e-3``, ``true``, ``None``, ``a,b``, ``[a,(b,c)]``,
    bare strings) plus ``dict(k=v, ...)`` and ``{'k': v}`` read as
    literals (nothing is called); a value that cannot be read is a
    :class:`ConfigError`. Each recursive step reads a strictly shorter
    string, so it ends."""

    def parse_items(body, sep):
        out = {}
        while body.strip():
            comma = _find_next_comma(body)
            item, body = body[:comma], body[comma + 1:]
            if not item.strip():
                continue
            name, found, value = item.partition(sep)
            name = name.strip().strip('\'"')
            if not found or not name:
                raise _bad_value(key, text, f'{item.strip()} is not key{sep}'
                                 'value')
            out[name] = parse(value)
        return out

    def parse(val):
        val = val.strip().strip('\'"')
        if _CALL_OR_DICT_RE.match(val):
            try:
                return _literal(ast.parse(val, mode='eval').body)
            except (SyntaxError, _NotLiteral, TypeError, ValueError):
                pass
            # unquoted words (the shell ate the quotes): DictAction's rules
            # for each value of dict(k=v, ...) / {k: v, ...}
            found = _DICT_CALL_RE.match(val)
            if found or val.startswith('{') and val.endswith('}'):
                return parse_items(
                    found.group(1) if found else val[1:-1],
                    '=' if found else ':')
            if ',' in val:
                raise _bad_value(key, text, f'{val} is not a literal')
            # no comma: a plain string, as DictAction reads it
        val = val.replace(' ', '')
        for opening, closing in ('()', '[]'):
            if val.count(opening) != val.count(closing):
                raise _bad_value(key, text,
                                 f'unbalanced brackets {opening}{closing}')
        is_tuple = False
        if val.startswith('(') and val.endswith(')'):
            is_tuple = True
            val = val[1:-1]
        elif val.startswith('[') and val.endswith(']'):
            val = val[1:-1]
        elif ',' not in val:
            return _scalar(val)
        elif _find_next_comma(val) == len(val):
            # commas only inside brackets that do not open the value:
            # MMEngine's DictAction recursed on this without end
            raise _bad_value(key, text, f'commas inside brackets in {val}')
        values = []
        while val:
            comma = _find_next_comma(val)
            values.append(parse(val[:comma]))
            val = val[comma + 1:]
        return tuple(values) if is_tuple else values

    return parse(text)


class CfgOptionsAction(argparse.Action):
    """``--cfg-options KEY=VALUE ...`` into a dict (MMEngine's
    ``DictAction`` without its endless recursion on dict values; see
    :func:`parse_option_value`). A malformed option is a
    :class:`ConfigError`."""

    def __call__(self, parser, namespace, values, option_string=None):
        options = dict(getattr(namespace, self.dest, None) or {})
        for kv in values or []:
            if '=' not in kv:
                raise ConfigError(
                    f'--cfg-options {kv}: expected KEY=VALUE, e.g. '
                    'train_cfg.max_epochs=10 (no spaces around =)')
            key, val = kv.split('=', 1)
            if not _KEY_RE.match(key):
                raise ConfigError(
                    f'--cfg-options {kv}: {key!r} is not a config key path; '
                    'write names joined by dots, e.g. '
                    'optim_wrapper.optimizer.lr=0.01')
            options[key] = parse_option_value(val, key)
        setattr(namespace, self.dest, options)


def merge_cfg_options(cfg, options):
    """Merge ``--cfg-options`` into ``cfg`` (after
    :func:`~mmfg.engine.config_diagnosis.explain_unknown_options`). A dict
    value for a key that is ``None`` or not a dict replaces it, a sub-key of
    a ``None`` value turns it into a dict; a sub-key of another non-dict
    value and a list index out of range are :class:`ConfigError`\\ s."""
    if not options:
        return cfg
    explain_unknown_options(cfg, options)
    for key, value in options.items():
        parts = key.split('.')
        node = cfg._cfg_dict
        for i, part in enumerate(parts):
            path = '.'.join(parts[:i + 1])
            last = i == len(parts) - 1
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    owner = '.'.join(parts[:i])
                    if not node:
                        raise ConfigError(f'--cfg-options {key}: {owner} is '
                                          'an empty list')
                    example = '.'.join(parts[:i] + ['0'] + parts[i + 1:])
                    raise ConfigError(
                        f'--cfg-options {key}: {owner} is a list of '
                        f'{len(node)} item(s); use an index 0..'
                        f'{len(node) - 1} after it (e.g. {example})')
                node = node[int(part)]
                continue
            if not isinstance(node, dict) or part not in node:
                break  # a new key: MMEngine creates the dicts below it
            child = node[part]
            if last:
                if isinstance(value, dict) and not isinstance(child, dict):
                    node[part] = ConfigDict()  # replace, do not merge
                break
            if child is None:
                node[part] = ConfigDict()
            elif not isinstance(child, (dict, list, tuple)):
                raise ConfigError(
                    f'--cfg-options {key}: {path} is {child!r}, not a '
                    f'dict, so it has no key {parts[i + 1]!r}; set {path} '
                    f'itself (e.g. --cfg-options "{path}=...")')
            node = node[part]
    try:
        cfg.merge_from_dict(options)
    except (TypeError, KeyError, ValueError) as exc:
        raise ConfigError(f'--cfg-options {", ".join(options)}: cannot be '
                          f'applied: {exc}') from exc
    return cfg


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------
def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _is_whole(value, floats=False):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return floats and isinstance(value, float) and value.is_integer()


def _refuse(path, value, allowed, example=None):
    msg = f'config key {path} is {value!r}; it must be {allowed}'
    if example is not None:
        msg += f', e.g. --cfg-options {path}={example}'
    return ConfigError(msg)


def _check_whole(path, value, minimum, what, example, floats=False):
    if not _is_whole(value, floats) or value < minimum:
        raise _refuse(path, value, f'a whole number >= {minimum} ({what})',
                      example)


def _check_number(path, value, what, minimum=None, maximum=None):
    if not _is_number(value) or (minimum is not None and value < minimum) \
            or (maximum is not None and value > maximum):
        if minimum is not None and maximum is not None:
            bounds = f' from {minimum} to {maximum}'
        elif minimum is not None:
            bounds = f' >= {minimum}'
        else:
            bounds = ''
        raise _refuse(path, value, f'a number{bounds} ({what})')


def _type_name(value):
    if isinstance(value, str):
        return value.split('.')[-1]
    return getattr(value, '__name__', None)


def _check_triples(cfg, mode):
    """MMEngine's Runner needs each of these triples all set or all None
    (a ValueError from ``Runner.__init__`` otherwise)."""
    triples = (('train_dataloader', 'train_cfg', 'optim_wrapper'),
               ('val_dataloader', 'val_cfg', 'val_evaluator'),
               ('test_dataloader', 'test_cfg', 'test_evaluator'))
    for keys in triples:
        unset = [k for k in keys if cfg.get(k) is None]
        if unset and len(unset) < len(keys):
            raise ConfigError(
                f'config keys {", ".join(keys)} must be all set or all None; '
                f'{", ".join(unset)} is None: set it (or set all three to '
                'None)')
    needed = dict(train=triples[0], test=triples[2]).get(mode)
    if needed and cfg.get(needed[0]) is None:
        raise ConfigError(
            f'the config has no {", ".join(needed)}; {mode}ing needs all '
            'three (use a config that sets them)')


def _check_train_loop(tc):
    if not isinstance(tc, dict):
        raise _refuse(
            'train_cfg', tc, 'a dict such as dict(by_epoch=True, '
            'max_epochs=5, val_interval=1)')
    loop = _type_name(tc.get('type'))
    if 'type' in tc and 'by_epoch' in tc:
        raise ConfigError(
            f'train_cfg sets both type ({loop}) and by_epoch; keep one: '
            'by_epoch=True/False picks MMEngine\'s epoch/iteration loop, '
            'type names a loop class')
    if 'type' not in tc:
        if 'by_epoch' not in tc:
            raise ConfigError(
                'train_cfg has neither by_epoch nor type; add '
                'by_epoch=True (train max_epochs epochs) or by_epoch=False '
                '(train max_iters iterations)')
        if not isinstance(tc['by_epoch'], bool):
            raise _refuse('train_cfg.by_epoch', tc['by_epoch'],
                          'True or False')
        loop = 'EpochBasedTrainLoop' if tc['by_epoch'] else \
            'IterBasedTrainLoop'
    need = dict(
        EpochBasedTrainLoop='max_epochs',
        IterBasedTrainLoop='max_iters').get(loop)
    if need and need not in tc:
        raise ConfigError(f'train_cfg has no {need} ({loop} needs it); add '
                          f'train_cfg.{need}=N')
    if 'max_epochs' in tc:
        _check_whole(
            'train_cfg.max_epochs',
            tc['max_epochs'],
            1,
            'the number of epochs to train',
            5,
            floats=True)
    if 'max_iters' in tc:
        _check_whole(
            'train_cfg.max_iters',
            tc['max_iters'],
            1,
            'the number of iterations to train',
            1000,
            floats=True)
    if 'val_interval' in tc:
        _check_whole(
            'train_cfg.val_interval', tc['val_interval'], 1,
            'validate every N epochs/iterations; --no-validate '
            'turns validation off', 1)
    if 'val_begin' in tc and not _is_whole(tc['val_begin']):
        raise _refuse(
            'train_cfg.val_begin', tc['val_begin'],
            'a whole number (the first epoch/iteration to '
            'validate)', 1)


def _check_loader(name, loader):
    if not isinstance(loader, dict):
        raise _refuse(
            name, loader, 'a dict (batch_size, num_workers, '
            'dataset, sampler, ...)')
    if 'batch_size' in loader:
        _check_whole(f'{name}.batch_size', loader['batch_size'], 1,
                     'images per batch and process', 32)
    if 'num_workers' in loader:
        _check_whole(f'{name}.num_workers', loader['num_workers'], 0,
                     'data loading processes; 0 loads in the main process', 2)


# optimizer settings torch requires to be non-negative numbers
_OPTIMIZER_NUMBERS = dict(
    lr='the learning rate',
    momentum='the momentum',
    weight_decay='the weight decay',
    eps='the epsilon added for numerical stability',
    dampening='the momentum dampening')


def _try_optimizer(opt):
    """Build the optimizer class ``opt`` names on one dummy parameter: what
    the class refuses (an out-of-range beta, nesterov without momentum, ...)
    is refused now. None when the class cannot be found here."""
    import torch

    from mmfg.registry import OPTIMIZERS
    name = opt.get('type')
    cls = name if isinstance(name, type) else None
    if cls is None and isinstance(name, str):
        try:
            cls = OPTIMIZERS.get(name)
        except Exception:  # noqa: BLE001 - unknown types are reported later
            cls = None
    if not isinstance(cls, type):
        return
    kwargs = {k: v for k, v in opt.items() if k != 'type'}
    try:
        cls([torch.nn.Parameter(torch.zeros(1))], **kwargs)
    except TypeError as exc:
        err = explain_type_error(exc,
                                 dict(optim_wrapper=dict(optimizer=dict(opt))))
        if err is not None:
            raise err from exc
        raise ConfigError(
            f'config key optim_wrapper.optimizer: {_type_name(name)} refuses '
            f'its settings ({exc}); fix them in optim_wrapper.optimizer') \
            from exc
    except ValueError as exc:
        raise ConfigError(
            f'config key optim_wrapper.optimizer: {_type_name(name)} refuses '
            f'its settings ({exc}); fix them in optim_wrapper.optimizer') \
            from exc


def _check_optim_wrapper(ow):
    if not isinstance(ow, dict):
        raise _refuse(
            'optim_wrapper', ow,
            "a dict such as dict(optimizer=dict(type='SGD', "
            'lr=0.01))')
    if 'accumulative_counts' in ow:
        _check_whole('optim_wrapper.accumulative_counts',
                     ow['accumulative_counts'], 1,
                     'iterations whose gradients are summed per step', 1)
    opt = ow.get('optimizer')
    if opt is None:
        if 'constructor' not in ow:
            raise ConfigError(
                "optim_wrapper has no optimizer; add optim_wrapper.optimizer"
                "=dict(type='SGD', lr=0.01)")
        return
    if not isinstance(opt, dict):
        raise _refuse('optim_wrapper.optimizer', opt,
                      "a dict such as dict(type='SGD', lr=0.01)")
    for key, what in _OPTIMIZER_NUMBERS.items():
        if key in opt:
            _check_number(
                f'optim_wrapper.optimizer.{key}', opt[key], what, minimum=0)
    _try_optimizer(opt)


_SCHEDULER_WHOLE = dict(
    begin=(0, 'the first epoch/iteration it acts on'),
    end=(1, 'the epoch/iteration it stops at'),
    T_max=(1, 'the length of the cosine cycle'),
    step_size=(1, 'epochs/iterations between decays'),
    total_iters=(1, 'epochs/iterations it runs'))
_SCHEDULER_FACTORS = ('start_factor', 'end_factor', 'factor')


def _check_schedulers(schedulers):
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    if not isinstance(schedulers, (list, tuple)):
        raise _refuse('param_scheduler', schedulers,
                      'a dict or a list of dicts')
    many = len(schedulers) > 1
    for i, sch in enumerate(schedulers):
        where = f'param_scheduler.{i}' if many else 'param_scheduler'
        if not isinstance(sch, dict):
            raise _refuse(
                where, sch, "a dict such as dict(type="
                "'MultiStepLR', milestones=[3, 4])")
        for key, (minimum, what) in _SCHEDULER_WHOLE.items():
            if key in sch and not (key == 'end' and sch[key] == math.inf):
                _check_whole(
                    f'{where}.{key}',
                    sch[key],
                    minimum,
                    what,
                    None,
                    floats=key == 'end')
        if _is_whole(sch.get('begin', 0)) and 'end' in sch \
                and _is_number(sch['end']) and sch['end'] <= sch.get(
                    'begin', 0):
            raise ConfigError(
                f'config keys {where}.begin/end are {sch.get("begin", 0)}/'
                f'{sch["end"]}; end must be larger than begin')
        if 'milestones' in sch:
            ms = sch['milestones']
            if not isinstance(ms, (list, tuple)) or not all(
                    _is_whole(m) and m >= 0 for m in ms):
                raise _refuse(
                    f'{where}.milestones', ms,
                    'a list of whole numbers >= 0 (the epochs/'
                    'iterations where the value changes)', '[30,60]')
        for key in ('gamma', 'eta_min', 'power'):
            if key in sch:
                _check_number(
                    f'{where}.{key}',
                    sch[key],
                    f'the scheduler\'s {key}',
                    minimum=0)
        for key in _SCHEDULER_FACTORS:
            if key in sch:
                _check_number(f'{where}.{key}', sch[key],
                              'a multiplicative factor', 0, 1)
        for key in ('by_epoch', 'convert_to_iter_based'):
            if key in sch and not isinstance(sch[key], bool):
                raise _refuse(f'{where}.{key}', sch[key], 'True or False')


#: values of the top-level ``sync_bn`` key (MMEngine's Runner converts the
#: model's BatchNorm layers with ``convert_sync_batchnorm(model, sync_bn)``
#: when it trains distributed, and ignores the key in one process)
SYNC_BN = ('torch', 'mmcv')


def check_sync_bn(cfg):
    """``sync_bn`` is unset/None, ``'torch'`` (``torch.nn.SyncBatchNorm``)
    or ``'mmcv'`` (``mmcv.ops.SyncBatchNorm``); MMEngine would only log the
    wrong value and raise deep in ``wrap_model``."""
    value = cfg.get('sync_bn', None)
    if value is not None and value not in SYNC_BN:
        raise _refuse(
            'sync_bn', value, "'torch' (torch.nn.SyncBatchNorm) or 'mmcv' "
            '(mmcv.ops.SyncBatchNorm), or None for per-process BatchNorm',
            'torch')


def check_config(cfg, mode='train'):
    """Refuse, before the runner is built, the config values MMEngine or
    torch would only refuse with a traceback (see the module docstring).
    ``mode`` is ``'train'`` (the train loop, optimizer, schedulers, train
    and val loaders) or ``'test'`` (the test loader)."""
    _check_triples(cfg, mode)
    check_sync_bn(cfg)
    if mode == 'train':
        _check_train_loop(cfg.train_cfg)
        _check_optim_wrapper(cfg.optim_wrapper)
        if cfg.get('param_scheduler') is not None:
            _check_schedulers(cfg.param_scheduler)
        loaders = ['train_dataloader', 'val_dataloader']
        asl = cfg.get('auto_scale_lr')
        if isinstance(asl, dict) and asl.get('enable') \
                and 'base_batch_size' in asl:
            _check_whole('auto_scale_lr.base_batch_size',
                         asl['base_batch_size'], 1,
                         'the total batch size the lr was tuned for', 128)
    else:
        loaders = ['test_dataloader']
    for name in loaders:
        if cfg.get(name) is not None:
            _check_loader(name, cfg[name])
    return cfg


# --------------------------------------------------------------------------
# the work dir
# --------------------------------------------------------------------------
def check_work_dir(path):
    """Create the work dir and write a file in it now, so that a path that
    cannot be used is one error naming it and the system's reason rather
    than a traceback once the runner starts writing logs."""
    fix = ('; choose a folder you can write to with --work-dir (or '
           'work_dir in the config)')
    if osp.exists(path) and not osp.isdir(path):
        raise ConfigError(f'work dir {path} is a file, not a folder{fix}')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f'work dir {path} cannot be created: {exc.strerror}' +
            (f' ({os.fsdecode(exc.filename)})' if exc.filename and osp.
             abspath(os.fsdecode(exc.filename)) != osp.abspath(path) else '') +
            fix) from exc
    try:
        fd, probe = tempfile.mkstemp(prefix='.mmfg-write-test-', dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as exc:
        raise ConfigError(f'work dir {path} is not writable: '
                          f'{exc.strerror}{fix}') from exc
