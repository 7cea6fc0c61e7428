import datetime
import warnings

from mmengine import DefaultScope
from mmengine.registry import Registry


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmfg module that registers something, and (by default)
    make ``mmfg`` the default scope.

    The packages to import are named once, by the ``locations`` of mmfg's
    registries (:mod:`mmfg.registry`: ``mmfg.datasets``, ``mmfg.engine``,
    ``mmfg.evaluation``, ``mmfg.models``, ``mmfg.visualization`` and the
    MMPretrain packages that fill their parents); each registry imports its
    own. So ``mmfg.utils``, which those packages import for their error
    types, imports none of them back.

    Args:
        init_default_scope (bool): set the current default scope to ``mmfg``
            so that ``type='X'`` resolves in mmfg, then mmpretrain, then
            mmengine. Defaults to True.
    """
    from mmpretrain.utils import register_all_modules as register_mmpretrain

    from mmfg import registry
    for value in vars(registry).values():
        if isinstance(value, Registry) and value.scope == 'mmfg':
            value.import_from_location()
    register_mmpretrain(init_default_scope=False)

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmfg'):
        DefaultScope.get_instance('mmfg', scope_name='mmfg')
    elif current.scope_name != 'mmfg':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmfg"; a new default scope "mmfg" is created.')
        name = f'mmfg-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='mmfg')
