from .errors import ConfigError, DataError, run_with_clear_errors
from .setup_env import register_all_modules

__all__ = [
    'ConfigError', 'DataError', 'run_with_clear_errors', 'register_all_modules'
]
