from .clear_errors import run_with_clear_errors, user_message
from .errors import CheckpointError, ConfigError, DataError, TrainingError
from .safe_pickle import load_data_pickle, restricted_loads
from .setup_env import register_all_modules

__all__ = [
    'CheckpointError', 'ConfigError', 'DataError', 'TrainingError',
    'run_with_clear_errors', 'user_message', 'register_all_modules',
    'load_data_pickle', 'restricted_loads'
]
