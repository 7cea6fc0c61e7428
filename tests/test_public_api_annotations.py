"""Type hints on the public API.

Checked: every parameter (but ``self``/``cls``, ``*args``, ``**kwargs``) of

* ``__init__`` and ``forward`` / ``transform`` / ``process`` /
  ``compute_metrics`` / ``__call__`` of every class that mmfg registers in
  its registries (those of :mod:`mmfg.registry` and the proposal
  generators),
  where the method is defined by an mmfg class (methods inherited from
  MMPretrain / MMEngine are theirs to annotate); ``forward`` also needs a
  return annotation;
* every public function and every public method (``__call__`` included) of
  every class in ``mmfg.apis.__all__``, return annotation included (but
  for ``__init__``).
"""
import inspect

from mmengine.registry import Registry

import mmfg.apis
import mmfg.registry
from mmfg.proposals import PROPOSAL_GENERATORS
from mmfg.utils import register_all_modules

REGISTERED_METHODS = ('__init__', 'forward', 'transform', 'process',
                      'compute_metrics', '__call__')
NEEDS_RETURN = ('forward', )
PUBLIC = ('__init__', '__call__')
SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL,
                 inspect.Parameter.VAR_KEYWORD)


def _is_mmfg(obj):
    return getattr(obj, '__module__', '').startswith('mmfg')


def _missing(func, qualname, needs_return):
    """``module.Class.method(param)`` for each unannotated parameter of
    ``func`` (``-> return`` for a missing return annotation)."""
    func = inspect.unwrap(func)
    sig = inspect.signature(func)
    missing = []
    for i, param in enumerate(sig.parameters.values()):
        if param.kind in SKIPPED_KINDS:
            continue
        if i == 0 and param.name in ('self', 'cls'):
            continue
        if param.annotation is inspect.Parameter.empty:
            missing.append(f'{qualname}({param.name})')
    if needs_return and sig.return_annotation is inspect.Signature.empty:
        missing.append(f'{qualname}(-> return)')
    return missing


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass
    return None


def registered_classes():
    """Every class registered in an mmfg registry by mmfg itself."""
    register_all_modules(init_default_scope=False)
    classes = set()
    registries = [
        r for r in vars(mmfg.registry).values() if isinstance(r, Registry)
    ] + [PROPOSAL_GENERATORS]
    for registry in registries:
        for obj in registry.module_dict.values():
            if inspect.isclass(obj) and _is_mmfg(obj):
                classes.add(obj)
    return sorted(classes, key=lambda c: (c.__module__, c.__qualname__))


def registered_missing():
    missing, seen = [], set()
    for cls in registered_classes():
        for name in REGISTERED_METHODS:
            owner = _defining_class(cls, name)
            if owner is None or not _is_mmfg(owner) or (owner, name) in seen:
                continue
            seen.add((owner, name))
            func = vars(owner)[name]
            if isinstance(func, (staticmethod, classmethod)):
                func = func.__func__
            qualname = f'{owner.__module__}.{owner.__qualname__}.{name}'
            missing += _missing(func, qualname, name in NEEDS_RETURN)
    return missing


def apis_missing():
    missing = []
    for name in mmfg.apis.__all__:
        obj = getattr(mmfg.apis, name)
        if inspect.isclass(obj):
            for attr, func in sorted(vars(obj).items()):
                if isinstance(func, (staticmethod, classmethod)):
                    func = func.__func__
                if not inspect.isfunction(func) or (attr.startswith('_')
                                                    and attr not in PUBLIC):
                    continue
                qualname = f'{obj.__module__}.{obj.__qualname__}.{attr}'
                missing += _missing(func, qualname, attr != '__init__')
        else:
            missing += _missing(obj, f'{obj.__module__}.{obj.__qualname__}',
                                True)
    return missing


def test_walk_finds_the_registered_classes():
    names = {cls.__name__ for cls in registered_classes()}
    # one per registry kind: a walk that found nothing would pass vacuously
    assert {'RACNN', 'CUB', 'FGRunner', 'CSParts'} <= names


def test_missing_reports_unannotated_parameters():

    def untyped(a, b: int, *args, c, **kwargs):
        pass

    assert _missing(untyped, 'm.f',
                    True) == ['m.f(a)', 'm.f(c)', 'm.f(-> return)']


def test_registered_classes_are_annotated():
    missing = registered_missing()
    assert not missing, ('missing annotations:\n' + '\n'.join(missing))


def test_apis_are_annotated():
    missing = apis_missing()
    assert not missing, ('missing annotations:\n' + '\n'.join(missing))
