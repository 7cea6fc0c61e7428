"""Config keys explained: a key a class does not take, a missing argument,
an unknown ``--cfg-options`` key become one :class:`ConfigError` naming the
key path, the arguments the class takes and the closest one.

:class:`~mmfg.engine.FGRunner` wraps its builds in
:func:`explain_config_errors`; ``tools/train.py`` and ``tools/test.py``
check ``--cfg-options`` with :func:`explain_unknown_options`.
"""
import difflib
import functools
import inspect
import re
from contextlib import contextmanager

from mmengine.runner import Runner

from mmfg.utils.errors import ConfigError

# Top-level config keys the runner (or mmfg's tools) read besides the
# Runner's own arguments: ``--cfg-options`` may set them. MMEngine 0.10's
# Runner reads ``model_wrapper_cfg``, ``sync_bn``, ``find_unused_parameters``
# (wrap_model), ``compile``, ``activation_checkpointing`` and
# ``efficient_conv_bn_eval`` from its cfg; FlexibleRunner ``strategy``.
RUNNER_KEYS = tuple(
    p
    for p in inspect.signature(Runner.__init__).parameters if p != 'self') + (
        'runner_type', 'custom_imports', 'skip_bad_images',
        'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters', 'compile',
        'activation_checkpointing', 'efficient_conv_bn_eval', 'gpu_ids',
        'strategy', 'num_classes', 'check_class_count')

_KWARG_RE = re.compile(r"([A-Za-z_][\w.]*)\(\) got an unexpected keyword "
                       r"argument '(\w+)'")
_MISSING_RE = re.compile(r"([A-Za-z_][\w.]*)\(\) missing (\d+) required "
                         r"(?:positional |keyword-only )?arguments?: (.*)$")


@contextmanager
def explain_config_errors(cfg):
    """Turn ``TypeError``s of classes built from ``cfg`` (a key the class
    does not take, a missing argument) into a :class:`ConfigError`."""
    try:
        yield
    except TypeError as exc:
        err = explain_type_error(exc, cfg)
        if err is None:
            raise
        raise err from exc


def explains_config_errors(method):
    """Decorate a runner method: :func:`explain_config_errors` with the
    runner's ``cfg`` around it."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with explain_config_errors(self.cfg):
            return method(self, *args, **kwargs)

    return wrapper


def _type_name(value):
    if isinstance(value, str):
        return value.split('.')[-1]
    return getattr(value, '__name__', None)


def find_key_paths(cfg, key, type_name=None, prefix=''):
    """Dotted paths of ``key`` in the nested dicts/lists of ``cfg``; paths
    in a dict whose ``type`` is ``type_name`` come first."""
    cfg = getattr(cfg, '_cfg_dict', cfg)  # an mmengine Config
    exact, other = [], []

    def walk(node, path):
        if isinstance(node, dict):
            if key in node:
                hit = f'{path}.{key}' if path else key
                if type_name and _type_name(node.get('type')) == type_name:
                    exact.append(hit)
                else:
                    other.append(hit)
            for k, v in node.items():
                walk(v, f'{path}.{k}' if path else str(k))
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f'{path}.{i}')

    walk(cfg, prefix)
    return exact + other


def get_key_path(cfg, path):
    """The value at the dotted ``path`` (``model.head.num_classes``,
    ``a.0.b``) of ``cfg``."""
    node = getattr(cfg, '_cfg_dict', cfg)
    for part in path.split('.'):
        node = node[int(part)] if isinstance(node, (list, tuple)) else \
            node[part]
    return node


def _resolve_class(name):
    """The class registered (in any mmfg-visible registry) as ``name``, or
    a torch optimizer/DataLoader class of that name; None when unknown."""
    from mmfg import registry
    for attr in dir(registry):
        reg = getattr(registry, attr)
        if not hasattr(reg, 'get') or not hasattr(reg, 'module_dict'):
            continue
        try:
            cls = reg.get(name)
        except Exception:  # noqa: BLE001 - some registries import lazily
            cls = None
        if inspect.isclass(cls):
            return cls
    import torch
    for mod in (torch.optim, torch.utils.data, torch.optim.lr_scheduler):
        if inspect.isclass(getattr(mod, name, None)):
            return getattr(mod, name)
    return None


def accepted_arguments(cls):
    """Keyword arguments ``cls(...)`` takes, following ``**kwargs`` into
    the base classes' ``__init__``."""
    names = []
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        more = False
        for p in params:
            if p.name == 'self' or p.kind == p.VAR_POSITIONAL:
                continue
            if p.kind == p.VAR_KEYWORD:
                more = True
            elif p.name not in names:
                names.append(p.name)
        if not more:
            break
    return names


def explain_type_error(exc, cfg):
    """A :class:`ConfigError` for ``TypeError: X.__init__() got an
    unexpected keyword argument 'k'`` (or missing arguments) raised while
    building from ``cfg``, naming the key path, the arguments the class
    takes and the closest one; None when ``exc`` is another TypeError."""
    text = ' '.join(str(exc).split())
    found = _KWARG_RE.search(text)
    if found:
        owner, key = found.groups()
        cls_name = owner.rsplit('.__init__', 1)[0].split('.')[-1]
        paths = find_key_paths(cfg, key, cls_name) if cfg is not None else []
        if not owner.endswith('__init__') or not paths:
            return None  # not a config key: a bug, keep the traceback
        where = f'config key {paths[0]}'
        # the type the config names (FashionMNIST) may forward the key to
        # a base class (BaseDataset) that raised
        node = get_key_path(cfg, paths[0].rsplit('.', 1)[0]) \
            if '.' in paths[0] else cfg
        named = _type_name(node.get('type')) if isinstance(node, dict) \
            else None
        shown = cls_name if not named or named == cls_name else \
            f'{named} (via {cls_name})'
        cls = _resolve_class(named or cls_name) or _resolve_class(cls_name)
        accepted = accepted_arguments(cls) if cls is not None else []
        msg = f'{where}: {shown} does not take an argument {key!r}'
        if accepted:
            close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
            if close:
                fix = paths[0].rsplit('.', 1)[0] + '.' + close[0]
                msg += f'; did you mean {close[0]!r} ({fix})?'
            else:
                msg += ';'
            msg += f' {named or cls_name} takes: {", ".join(accepted)}'
        else:
            msg += '; remove the key or check its spelling'
        return ConfigError(msg)
    found = _MISSING_RE.search(text)
    if found and found.group(1).endswith('__init__') and cfg is not None:
        owner, _, names = found.groups()
        cls_name = owner.rsplit('.__init__', 1)[0].split('.')[-1]
        where = _find_typed_dict(cfg, cls_name)
        if where is None:
            return None
        return ConfigError(f'config key {where or "(top level)"}: {cls_name} '
                           f'needs the argument(s) {names}; add them to its '
                           'dict in the config')
    return None


def _find_typed_dict(cfg, type_name, path=''):
    """Dotted path of the first dict of ``cfg`` with ``type=type_name``."""
    cfg = getattr(cfg, '_cfg_dict', cfg)  # an mmengine Config
    if isinstance(cfg, dict):
        if _type_name(cfg.get('type')) == type_name:
            return path
        items = cfg.items()
    elif isinstance(cfg, (list, tuple)):
        items = enumerate(cfg)
    else:
        return None
    for k, v in items:
        found = _find_typed_dict(v, type_name,
                                 f'{path}.{k}' if path else str(k))
        if found is not None:
            return found
    return None


def explain_unknown_options(cfg, options):
    """Raise :class:`ConfigError` for ``--cfg-options`` whose top-level key
    is neither in ``cfg`` nor a runner setting (a misspelled key would be
    silently ignored otherwise)."""
    known = set(cfg.keys()) | set(RUNNER_KEYS)
    for key in options or {}:
        top = key.split('.')[0]
        if top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=1)
        hint = (f'did you mean {close[0]!r}?'
                if close else 'the config has no such section')
        raise ConfigError(
            f'--cfg-options {key}: the config has no key {top!r}; {hint} '
            f'(top-level keys: {", ".join(sorted(cfg.keys()))})')
