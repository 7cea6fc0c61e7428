"""Build a classifier from a config and load its checkpoint."""
import copy
import os.path as osp
from os import PathLike
from typing import TYPE_CHECKING, Optional, Tuple, Union

import torch
from torch import nn

from mmfg.utils.errors import ConfigError

if TYPE_CHECKING:
    from mmengine.config import Config
    from mmengine.model import BaseModel


def check_file(path: str, what: str) -> None:
    """Raise :class:`FileNotFoundError` ``'<what> <path> does not exist'``
    unless ``path`` is a file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')


def load_config(config: Union[str, PathLike, 'Config'],
                cfg_options: Optional[dict] = None) -> 'Config':
    """A copy of ``config`` (a path or :class:`mmengine.Config`) with
    ``cfg_options`` merged in."""
    from mmengine.config import Config

    if isinstance(config, (str, PathLike)):
        check_file(str(config), 'config file')
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('config must be a file name or a Config, got '
                        f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def dataset_classes(
        cfg: 'Config',
        loader: str = 'test_dataloader') -> Optional[Tuple[str, ...]]:
    """Class names of ``cfg[loader].dataset`` without building the dataset
    (no data needed): its ``metainfo.classes`` override, else the dataset
    class's ``METAINFO['classes']``; None when unknown."""
    from mmfg.registry import DATASETS

    ds_cfg = (cfg.get(loader) or {}).get('dataset') or {}
    classes = (ds_cfg.get('metainfo') or {}).get('classes')
    if classes is not None:
        return tuple(classes)
    ds_type = ds_cfg.get('type')
    if isinstance(ds_type, str):
        try:
            ds_cls = DATASETS.get(ds_type)
        except KeyError:
            ds_cls = None
    else:
        ds_cls = ds_type
    classes = (getattr(ds_cls, 'METAINFO', None) or {}).get('classes')
    return tuple(classes) if classes is not None else None


def load_weights(model: nn.Module,
                 checkpoint: str,
                 config_name: str = 'the config') -> dict:
    """Load ``checkpoint`` into ``model`` strictly, on the CPU. The file is
    read as data only by :func:`mmfg.engine.read_checkpoint` (torch's
    ``weights_only=True`` with mmfg's data-only allow-list): a file holding
    anything else is refused before any of it runs.

    Returns:
        dict: the loaded checkpoint (``meta`` etc.).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is empty, truncated, corrupt, not a
            checkpoint, or holds Python objects that are not data.
        ConfigError: the state dict does not fit the model.
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmfg.engine.checkpoint import (describe_checkpoint, read_checkpoint,
                                        state_dict_of)
    from mmfg.utils.errors import CheckpointError

    check_file(checkpoint, 'checkpoint')
    loaded = read_checkpoint(checkpoint, map_location='cpu')
    if state_dict_of(loaded) is None:
        raise CheckpointError(
            f'checkpoint {checkpoint} holds {describe_checkpoint(loaded)}; '
            f'expected the weights of the model of {config_name}')
    try:
        return _load_checkpoint_to_model(
            model, loaded, strict=True, logger='silent')
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = ' '.join(first[:3])[:400]
        raise ConfigError(f'checkpoint {checkpoint} does not fit the model '
                          f'of {config_name}: {detail}') from None


def init_model(config: Union[str, PathLike, 'Config'],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None) -> 'BaseModel':
    """Build the classifier of ``config`` and load ``checkpoint``.

    As :func:`mmpretrain.apis.get_model` (the config's top-level
    ``data_preprocessor`` goes into the model; ``_config`` and
    ``_dataset_meta`` are set for mmpretrain's inferencers), but built in
    mmfg's registry scope (mmpretrain's forces its own, which does not know
    mmfg's types) and with the checkpoint loaded strictly by
    :func:`load_weights` (read as data only: torch's ``weights_only=True``
    with mmfg's data-only allow-list).

    Args:
        config (str | Config): config file or object.
        checkpoint (str, optional): checkpoint file; None keeps the freshly
            built weights.
        device (str | torch.device): where the model goes. Defaults to cpu.
        cfg_options (dict, optional): overrides merged into the config.

    Returns:
        BaseModel: the model in eval mode, with ``model.cfg`` (the config)
        and ``model.dataset_meta`` (``{'classes': ...}`` from the
        checkpoint's meta, else from the test dataset class; empty when
        unknown).
    """
    from mmengine.registry import DefaultScope

    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    register_all_modules()
    name = str(config) if isinstance(config, (str, PathLike)) else \
        (getattr(config, 'filename', None) or 'the config')
    cfg = load_config(config, cfg_options)
    if checkpoint is not None:
        check_file(checkpoint, 'checkpoint')
    if cfg.get('data_preprocessor') is not None:
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmfg'):
        model = MODELS.build(cfg.model)
    meta = {}
    if checkpoint is not None:
        ckpt = load_weights(model, checkpoint, name)
        meta = ckpt.get('meta')
        meta = meta.get('dataset_meta') if isinstance(meta, dict) else None
        meta = meta if isinstance(meta, dict) else {}
    classes = meta.get('classes') or dataset_classes(cfg)
    model.dataset_meta = dict(meta, classes=classes) if classes else {}
    model.cfg = model._config = cfg
    model._dataset_meta = model.dataset_meta
    return model.to(device).eval()
