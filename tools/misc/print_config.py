"""Print a config with its bases merged and --cfg-options applied (as
mmpretrain's tool).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]

A key that --cfg-options names but no class of the config takes is an
error naming the key, the arguments the class takes and the closest one.
"""
import argparse
import difflib
import inspect

from mmfg.engine.config_checks import CfgOptionsAction
from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Print the whole config (mmfg)')
    p.add_argument('config', help='config file path')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. train_cfg.max_epochs=10')
    return p.parse_args(argv)


def _takes_any_keyword(cls):
    """Whether ``cls(...)`` passes unknown keywords on to a class that
    takes them all (then no argument name can be refused)."""
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        if klass is object:
            return False
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return True
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return False
    return False


def check_new_keys(cfg, options):
    """``--cfg-options`` keys that add an argument to a ``type=`` dict of
    ``cfg`` must name an argument of that class; else a ConfigError naming
    the key, the class, the closest argument and those it takes. (Unknown
    top-level keys are refused by ``merge_cfg_options``.)"""
    from mmfg.engine.config_diagnosis import (_resolve_class, _type_name,
                                              accepted_arguments)

    for key in options or {}:
        parts = key.split('.')
        node = cfg._cfg_dict
        for i, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit() \
                    and int(part) < len(node):
                node = node[int(part)]
                continue
            if not isinstance(node, dict):
                break
            if part in node:
                node = node[part]
                continue
            if i != len(parts) - 1 or 'type' not in node:
                break
            name = _type_name(node['type'])
            cls = _resolve_class(name) if name else None
            if cls is None or _takes_any_keyword(cls):
                break
            args = accepted_arguments(cls)
            if part in args:
                break
            close = difflib.get_close_matches(part, args, n=1)
            hint = f'did you mean {close[0]!r}? ' if close else ''
            raise ConfigError(
                f'--cfg-options {key}: {name} ({".".join(parts[:-1])}) takes '
                f'no argument {part!r}; {hint}it takes: {", ".join(args)}')


def main(argv=None):
    from mmfg.engine.config_checks import (check_config_path, load_config,
                                           merge_cfg_options)
    from mmfg.utils import register_all_modules

    args = parse_args(argv)
    check_config_path(args.config)
    register_all_modules()
    cfg = load_config(args.config)
    check_new_keys(cfg, args.cfg_options)
    cfg = merge_cfg_options(cfg, args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    return cfg


if __name__ == '__main__':
    run_with_clear_errors(main)
