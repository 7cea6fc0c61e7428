"""mmfg's configs in MMPretrain's model hub.

``import mmfg`` is enough: :func:`attach_to_mmpretrain` (run by
``mmfg/__init__.py``) makes MMPretrain's :class:`~mmpretrain.apis.ModelHub`
register every model of mmfg's ``model-index.yml`` the first time the hub is
used, so ``mmpretrain.list_models('racnn*')``, ``mmpretrain.get_model(name)``
and MMPretrain's inferencers (``ImageClassificationInferencer(name)``)
accept mmfg's model names. Nothing heavy runs at ``import mmfg``: when
MMPretrain is not imported yet, a post-import hook waits for it, and the
index (about 160 models) is read only when the hub is first queried.

What the hub returns for an mmfg name differs from MMPretrain's own models
in three ways, all in :class:`MMFGModel`:

* the config's ``model`` gets ``_scope_`` = the config's ``default_scope``
  (``'mmfg'``), so ``get_model`` (which builds in MMPretrain's scope) builds
  mmfg's types, nested ones included (mmfg's ``LeNet5`` shadows
  MMPretrain's);
* each test pipeline step gets the same ``_scope_``, and an in-memory
  dataset's ``pre_pipeline`` (e.g. ``Resize`` to 32 for Fashion-MNIST,
  applied once when the dataset is built) is put in front of the test
  pipeline, so an inferencer sees images as the dataset's model does;
* mmfg publishes no pretrained weights: ``Weights`` is
  ``mmfg://unpublished/<name>`` and loading it raises a
  :class:`~mmfg.utils.errors.CheckpointError` that says what to pass
  instead (``pretrained=False`` for random weights, or a weights file:
  MMEngine loads it with torch's ``weights_only=True``, which refuses a
  full training checkpoint; ``tools/misc/publish_model.py`` strips one).

The index is ``mmfg/.mim/model-index.yml`` (a wheel ships it with the
configs under ``mmfg/.mim``; an editable install links both to the
checkout's root), else the root of the checkout this package lives in.
"""
import importlib.abc
import os.path as osp
import sys
import warnings
from typing import Any, Callable, List, Optional

SCOPE = 'mmfg'
#: the ``Weights`` of every mmfg model that names no published file
UNPUBLISHED = 'mmfg://unpublished/'
_PATCHED = '_mmfg_registers_too'
_STATE = {'registered': False}


def mim_root() -> str:
    """The folder holding ``model-index.yml`` and ``configs/``:
    ``mmfg/.mim`` of an installed (or editable-installed) mmfg, else the
    repository root of a checkout that is only on ``sys.path``.

    Raises:
        FileNotFoundError: neither holds a ``model-index.yml``.
    """
    package = osp.dirname(osp.abspath(__file__))
    candidates = [osp.join(package, '.mim'), osp.dirname(package)]
    for root in candidates:
        if (osp.isfile(osp.join(root, 'model-index.yml'))
                and osp.isdir(osp.join(root, 'configs'))):
            return root
    raise FileNotFoundError(
        f'mmfg\'s model-index.yml is in neither {candidates[0]} nor '
        f'{candidates[1]}: reinstall mmfg (pip install <mmfg wheel>, or '
        'pip install -e . in a checkout)')


def model_index_path() -> str:
    """Path of the ``model-index.yml`` the hub registers."""
    return osp.join(mim_root(), 'model-index.yml')


def _model_class() -> type:
    """:class:`MMFGModel`, defined on first use (modelindex is imported
    only when the hub is)."""
    if 'MMFGModel' in globals():
        return globals()['MMFGModel']
    from modelindex.models.Model import Model

    class MMFGModel(Model):
        """A model-index entry of mmfg whose config, once loaded by
        ``ModelHub.get``, builds in mmfg's registry scope (see the module
        docstring)."""

        @property
        def config(self) -> Any:
            return self.data.get('Config', None)

        @config.setter
        def config(self, value: Any) -> None:
            if value is not None and not isinstance(value, str):
                value = scope_config(value)
            self.data['Config'] = value

    MMFGModel.__module__ = __name__
    globals()['MMFGModel'] = MMFGModel
    return MMFGModel


def __getattr__(name: str) -> Any:
    # ``mmfg.model_hub.MMFGModel`` without importing modelindex at
    # ``import mmfg``.
    if name == 'MMFGModel':
        return _model_class()
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def scope_config(cfg: Any) -> Any:
    """Make a loaded mmfg config build in its own scope from MMPretrain's
    ``get_model`` and inferencers (in place; returns ``cfg``).

    ``model._scope_`` and every test pipeline step's ``_scope_`` become the
    config's ``default_scope`` (``'mmfg'`` when unset); the test dataset's
    ``pre_pipeline`` (deterministic steps an in-memory dataset applies once)
    is moved in front of its ``pipeline``, which the inferencers run.
    """
    scope = cfg.get('default_scope', None) or SCOPE
    model = cfg.get('model', None)
    if isinstance(model, dict):
        model.setdefault('_scope_', scope)
    loader = cfg.get('test_dataloader', None)
    dataset = loader.get('dataset', None) if isinstance(loader, dict) else None
    if isinstance(dataset, dict):
        steps = list(dataset.get('pre_pipeline', None) or [])
        steps += list(dataset.get('pipeline', None) or [])
        for step in steps:
            if isinstance(step, dict):
                step.setdefault('_scope_', scope)
        if dataset.get('pre_pipeline'):
            dataset.pre_pipeline = []
        dataset.pipeline = steps
    return cfg


def load_from_unpublished(filename: str, map_location: Any = None) -> dict:
    """MMEngine checkpoint loader of ``mmfg://unpublished/<name>``: there is
    no such file, so it raises what to do instead.

    Raises:
        CheckpointError: always.
    """
    from mmfg.utils.errors import CheckpointError
    name = filename[len(UNPUBLISHED):]
    raise CheckpointError(
        f'mmfg publishes no pretrained weights for {name!r}: pass '
        f'pretrained=False for random weights, or pretrained=<weights file>, '
        f'e.g. a checkpoint of `mim train mmfg {name}.py` stripped by '
        f'tools/misc/publish_model.py (torch loads only weights files '
        f'safely)')


def register_models(root: Optional[str] = None) -> List[str]:
    """Register every model of mmfg's ``model-index.yml`` with MMPretrain's
    ``ModelHub`` (done for you on the hub's first use after
    ``import mmfg``; calling it again registers nothing twice).

    Args:
        root (str, optional): folder with ``model-index.yml`` and
            ``configs/``; defaults to :func:`mim_root`.

    Returns:
        list[str]: the registered model names (lower case, as the hub keys
        them).

    Raises:
        ValueError: a name is already in the hub for another config (an
            MMPretrain model or another copy of mmfg).
    """
    from mmengine.runner import CheckpointLoader
    from mmpretrain.apis.model import ModelHub
    from modelindex.load_model_index import load

    root = osp.abspath(root or mim_root())
    index = load(osp.join(root, 'model-index.yml'))
    index.build_models_with_collections()
    model_class = _model_class()
    if UNPUBLISHED not in CheckpointLoader._schemes:
        CheckpointLoader.register_scheme(UNPUBLISHED, load_from_unpublished)
    names = []
    for meta in index.models:
        name = meta.name.lower()
        config = osp.normpath(osp.join(root, meta.config))
        known = ModelHub._models_dict.get(name)
        if known is not None:
            if getattr(known, 'config', None) == config:
                names.append(name)
                continue
            raise ValueError(
                f'mmfg model {name!r} ({config}) is already in mmpretrain\'s '
                f'ModelHub with config {known.config}: rename it in '
                f'{meta.filepath}')
        meta.__class__ = model_class
        meta.config = config
        if meta.weights is None:
            meta.weights = UNPUBLISHED + name
        ModelHub._models_dict[name] = meta
        names.append(name)
    _STATE['registered'] = True
    return names


def _patch_model_hub() -> None:
    """Make ``ModelHub._register_mmpretrain_models`` (what every hub query
    calls first) register mmfg's models after MMPretrain's own, once."""
    from mmpretrain.apis.model import ModelHub
    if getattr(ModelHub, _PATCHED, False):
        return
    original = ModelHub.__dict__['_register_mmpretrain_models'].__func__

    def _register_mmpretrain_models(cls):
        original(cls)
        if not _STATE['registered']:
            _STATE['registered'] = True  # one try: no retry on every query
            try:
                register_models()
            except Exception as exc:  # noqa: BLE001 (mmpretrain goes on)
                warnings.warn(f'mmfg\'s models are not in mmpretrain\'s '
                              f'ModelHub: {type(exc).__name__}: {exc}')

    ModelHub._register_mmpretrain_models = classmethod(
        _register_mmpretrain_models)
    setattr(ModelHub, _PATCHED, True)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``callback`` once module ``name`` has been executed (a
    post-import hook), then leaves ``sys.meta_path``."""

    def __init__(self, name: str, callback: Callable[[], None]) -> None:
        self.name = name
        self.callback = callback
        self._busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name or self._busy:
            return None
        self._busy = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                if finder is self or not hasattr(finder, 'find_spec'):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(
                spec.loader, 'exec_module'):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_callback(module):
            exec_module(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            try:
                self.callback()
            except Exception as exc:  # noqa: BLE001 (the import goes on)
                warnings.warn(f'mmfg could not attach to {self.name}: '
                              f'{type(exc).__name__}: {exc}')

        spec.loader.exec_module = exec_then_callback
        return spec


def attach_to_mmpretrain() -> None:
    """Have MMPretrain's ``ModelHub`` know mmfg's models: now if
    MMPretrain is imported, else as soon as it is (a post-import hook, so
    ``import mmfg`` stays light)."""
    if 'mmpretrain.apis.model' in sys.modules:
        _patch_model_hub()
        return
    if not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport('mmpretrain', _patch_model_hub))
