"""Analysis utilities: benchmarking (``benchmark``), adversarial robustness,
CAM localisation, effective receptive fields, result tables.

Foolbox and grad-cam are imported only when an attack / CAM runs."""
from .cam_localization import localization_benchmark
from .erf import (erf_sizes, erf_table, erf_tables, format_erf_table,
                  module_layers, table_rows, td_chains)
from .results import collect_results, final_metrics, results_markdown
from .robustness import (ALIASES, ATTACKS, DEFAULT_ATTACKS, DEFAULT_EPSILONS,
                         accuracy_curve, attack_model, l2_distance,
                         minimal_perturbations, resolve_attacks,
                         robustness_benchmark)
from .unit_classifier import (UnitImageClassifier, input_scales, model_name,
                              predict_labels, topdown_backbone)

__all__ = [
    'localization_benchmark', 'erf_sizes', 'erf_table', 'module_layers',
    'erf_tables', 'format_erf_table', 'table_rows', 'td_chains',
    'collect_results', 'final_metrics', 'results_markdown', 'ALIASES',
    'ATTACKS', 'DEFAULT_ATTACKS', 'DEFAULT_EPSILONS', 'accuracy_curve',
    'attack_model', 'l2_distance', 'minimal_perturbations', 'resolve_attacks',
    'robustness_benchmark', 'UnitImageClassifier', 'input_scales',
    'model_name', 'predict_labels', 'topdown_backbone'
]
