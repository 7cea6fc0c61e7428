"""mmfg registries: children of MMPretrain's (scope ``mmfg``).

With ``default_scope='mmfg'`` a config may name

* an mmfg type directly (``type='RACNN'``),
* any MMPretrain / MMEngine type directly (``type='ResNet'``), found through
  the parent registries,
* an MMDetection type with its scope prefix (``type='mmdet.ChannelMapper'``);
  an mmdet module that builds mmdet sub-modules itself (a detector, an
  assigner) needs the scope switched while it builds:
  ``dict(type='FasterRCNN', _scope_='mmdet', ...)``.

Functions (``worker_init_fn``) are looked up from MMEngine's root registry,
so name mmfg's with the prefix: ``type='mmfg.seed_numpy_from_torch'``.
"""
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import Registry
from mmpretrain.registry import BATCH_AUGMENTS as MMPRETRAIN_BATCH_AUGMENTS
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import \
    RUNNER_CONSTRUCTORS as MMPRETRAIN_RUNNER_CONSTRUCTORS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import TASK_UTILS as MMPRETRAIN_TASK_UTILS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import \
    WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS


def _child(name, parent, *locations):
    """A child registry of ``parent`` in scope ``mmfg``.

    ``locations`` are imported on the first lookup: mmfg's own package and
    the upstream package that fills ``parent``, so that an upstream type
    (``UniversalVisualizer``, ``VisualizationHook``, ``ResNet``) resolves
    even when nothing but the config named it.
    """
    return Registry(
        name, parent=parent, scope='mmfg', locations=list(locations))


_ENGINE = ('mmfg.engine', 'mmpretrain.engine')
_DATASETS = ('mmfg.datasets', 'mmpretrain.datasets')
_MODELS = ('mmfg.models', 'mmpretrain.models')
_EVALUATION = ('mmfg.evaluation', 'mmpretrain.evaluation')
_VISUALIZATION = ('mmfg.visualization', 'mmpretrain.visualization')

RUNNERS = _child('runner', MMPRETRAIN_RUNNERS, *_ENGINE)
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMPRETRAIN_RUNNER_CONSTRUCTORS, *_ENGINE)
LOOPS = _child('loop', MMPRETRAIN_LOOPS, *_ENGINE)
HOOKS = _child('hook', MMPRETRAIN_HOOKS, *_ENGINE)
LOG_PROCESSORS = _child('log processor', MMPRETRAIN_LOG_PROCESSORS, *_ENGINE)
OPTIMIZERS = _child('optimizer', MMPRETRAIN_OPTIMIZERS, *_ENGINE)
OPTIM_WRAPPERS = _child('optim_wrapper', MMPRETRAIN_OPTIM_WRAPPERS, *_ENGINE)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
                                    *_ENGINE)
PARAM_SCHEDULERS = _child('parameter scheduler', MMPRETRAIN_PARAM_SCHEDULERS,
                          *_ENGINE)
DATASETS = _child('dataset', MMPRETRAIN_DATASETS, *_DATASETS)
DATA_SAMPLERS = _child('data sampler', MMPRETRAIN_DATA_SAMPLERS, *_DATASETS)
TRANSFORMS = _child('transform', MMPRETRAIN_TRANSFORMS, *_DATASETS)
MODELS = _child('model', MMPRETRAIN_MODELS, *_MODELS)
MODEL_WRAPPERS = _child('model_wrapper', MMPRETRAIN_MODEL_WRAPPERS, *_MODELS)
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMPRETRAIN_WEIGHT_INITIALIZERS, *_MODELS)
BATCH_AUGMENTS = _child('batch augment', MMPRETRAIN_BATCH_AUGMENTS, *_MODELS)
TASK_UTILS = _child('task util', MMPRETRAIN_TASK_UTILS, *_MODELS)
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, *_ENGINE)
METRICS = _child('metric', MMPRETRAIN_METRICS, *_EVALUATION)
EVALUATORS = _child('evaluator', MMPRETRAIN_EVALUATORS, *_EVALUATION)
VISUALIZERS = _child('visualizer', MMPRETRAIN_VISUALIZERS, *_VISUALIZATION)
VISBACKENDS = _child('vis_backend', MMPRETRAIN_VISBACKENDS, *_VISUALIZATION)
