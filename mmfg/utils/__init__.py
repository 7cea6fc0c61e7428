from .clear_errors import run_with_clear_errors, user_message
from .errors import CheckpointError, ConfigError, DataError, TrainingError
from .setup_env import register_all_modules

__all__ = [
    'CheckpointError', 'ConfigError', 'DataError', 'TrainingError',
    'run_with_clear_errors', 'user_message', 'register_all_modules'
]
