"""Analysis utilities: benchmarking (``benchmark``), adversarial robustness,
CAM localisation, effective receptive fields, result tables, the
leaderboard.

The names below are imported from their submodules on first use (PEP 562),
so that a tool needing one light submodule (``leaderboard``, ``results``,
``config_dump``) does not import every model through ``erf``. Foolbox and
grad-cam are imported only when an attack / CAM runs."""
import importlib

#: the submodules and the public names each defines
_MODULES = (
    ('cam_localization', ('localization_benchmark', )),
    ('erf', ('erf_sizes', 'erf_table', 'erf_tables', 'module_layers',
             'format_erf_table', 'table_rows', 'td_chains')),
    ('results', ('collect_results', 'final_metrics', 'results_markdown')),
    ('robustness',
     ('ALIASES', 'ATTACKS', 'DEFAULT_ATTACKS', 'DEFAULT_EPSILONS',
      'accuracy_curve', 'attack_model', 'l2_distance', 'minimal_perturbations',
      'resolve_attacks', 'robustness_benchmark')),
    ('unit_classifier', ('UnitImageClassifier', 'input_scales', 'model_name',
                         'predict_labels', 'topdown_backbone')),
)
#: public name -> the submodule that defines it
_NAMES = {name: module for module, names in _MODULES for name in names}

__all__ = list(_NAMES)


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    module = importlib.import_module(f'{__name__}.{_NAMES[name]}')
    value = getattr(module, name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
