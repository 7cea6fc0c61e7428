"""Helpers for the DDP checks of every config family (no tests here).

* :func:`unused_parameters`: one forward/backward of a model in ONE process;
  the trainable parameters left without a gradient. PyTorch's
  ``DistributedDataParallel`` with ``find_unused_parameters=False`` (what
  MMEngine and :func:`mmfg.engine.setup_distributed` build) expects a
  gradient for every parameter with ``requires_grad=True``; one without it
  stops the job at the second iteration ("Expected to have finished
  reduction in the prior iteration before starting a new one").
* :func:`ddp_config`: a family's config pointed at the generated fixture
  of its dataset, trimmed to 2 training iterations of 2 images per process
  on 2 processes, without pretrained files or checkpoints, for
  ``tools/dist_train.sh CONFIG 2``.

The configs, their families (:mod:`tests.test_configs.config_families`) and
the fixtures and tiny batches are the configs lane's
(:mod:`tests.test_configs.test_all_configs`), imported lazily: loading every
config takes seconds.
"""
import copy
import os.path as osp

import torch

#: per process, in the 2-process runs
BATCH = 2
ITERS = 2
PROCS = 2

#: written next to a DDP config; dumps each rank's parameters after training
DUMP_HOOK = '''
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmfg.registry import HOOKS


@HOOKS.register_module()
class DumpRankParamsHook(Hook):
    priority = 'LOWEST'

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        params = {k: v.detach().clone() for k, v in model.named_parameters()}
        torch.save(dict(params=params, iter=runner.iter),
                   f'{runner.work_dir}/rank{get_rank()}_params.pth')
'''


def configs_lane():
    """The configs lane's module (configs, families, fixtures, batches)."""
    from tests.test_configs import test_all_configs
    return test_all_configs


def rel(path):
    return configs_lane()._rel(path)


def unused_parameters(model, batch):
    """Names of the parameters of ``model`` with ``requires_grad=True`` and
    no gradient after one loss forward/backward on ``batch`` (a collated
    batch, as a DataLoader gives it).

    Args:
        model (BaseModel): an mmfg model in training mode, no gradients yet.
        batch (dict): ``{'inputs': [...], 'data_samples': [...]}``.

    Returns:
        list[str]: parameter names, in ``named_parameters`` order.
    """
    model.train()
    model.zero_grad(set_to_none=True)
    data = model.data_preprocessor(batch, True)
    losses = model._run_forward(data, mode='loss')
    loss, _ = model.parse_losses(losses)
    loss.backward()
    return [
        name for name, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]


def one_step_unused(path, get_root, tmp_root):
    """:func:`unused_parameters` of the config ``path`` (random weights) on
    a tiny training batch of its dataset fixture (the configs lane's)."""
    from mmfg.registry import MODELS
    lane = configs_lane()
    cfg = lane.LOADED[path]
    batch = lane.tiny_batch(
        cfg, 'train_dataloader', get_root, tmp_root=tmp_root)
    lane._shrink_costly_inputs(cfg, batch)
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    return unused_parameters(model, batch)


def _strip_pretrained(node):
    """``node`` (model config) without pretrained files: init_cfg of type
    Pretrained dropped, ``pretrained``/``checkpoint`` paths set to None (the
    weights stay random; nothing is downloaded or read)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == 'init_cfg':
                items = value if isinstance(value, (list, tuple)) else [value]
                kept = [
                    v for v in items if not (
                        isinstance(v, dict) and v.get('type') == 'Pretrained')
                ]
                out[key] = (
                    kept if isinstance(value, (list, tuple)) else
                    (kept[0] if kept else None))
            elif key in ('pretrained', 'checkpoint') and isinstance(
                    value, str):
                out[key] = None
            else:
                out[key] = _strip_pretrained(value)
        return out
    if isinstance(node, (list, tuple)):
        return type(node)(_strip_pretrained(v) for v in node)
    return node


def _point_at_fixture(loader, get_root, tmp_root, count):
    """The loader's dataset on its fixture, ``count`` items, in the main
    process."""
    lane = configs_lane()
    loader.num_workers = 0
    loader.persistent_workers = False
    loader.pin_memory = False
    loader.batch_size = BATCH
    ds = loader.dataset
    ds.pop('indices', None)
    if ds.type == 'SRPatchDataset':
        if ds.get('source'):
            ds.source.data_root = get_root(ds.source.type)
        else:
            ds.data_root = lane._image_folder(tmp_root, ds.get('data_prefix'))
        ds.max_images = 1  # several patches per image: 4+ iterations
        return
    ds.data_root = get_root(ds.type)
    if ds.get('proposal_file'):
        ds.proposal_file = lane._proposal_file(ds, tmp_root)
    ds.indices = count


def _shrink_costly_inputs(cfg):
    """Top-Down ResNet18 mirrors end at the input resolution: at 448 px a
    TD_rev training step holds ~11 GB per process on a CPU (two processes
    exceed a 24 GB machine). As the configs lane does
    (``tests/test_configs/test_all_configs.py: COSTLY_INPUT_SIDE``), they
    get 64 px images (a resize before packing); the network is fully
    convolutional, so what DDP checks is the same."""
    backbone = cfg.model.get('backbone') or {}
    if not (backbone.get('type') == 'TopDownNet' and backbone.get('arch')
            == 'resnet18' and backbone.get('mode') != 'bu'):
        return
    for key in ('train_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        if loader is None:
            continue
        pipeline = list(loader.dataset.pipeline)
        resize = dict(type='Resize', scale=(64, 64), keep_ratio=False)
        loader.dataset.pipeline = pipeline[:-1] + [resize, pipeline[-1]]


def ddp_config(path, get_root, tmp_root, out_file):
    """Write ``out_file``: the config ``path`` for :data:`ITERS` training
    iterations of :data:`BATCH` images on each of :data:`PROCS` processes
    and one validation pass, on the fixture of its dataset; random weights,
    no checkpoint files, every rank's parameters dumped after training
    (``rank{r}_params.pth`` in the work dir, :data:`DUMP_HOOK`)."""
    lane = configs_lane()
    cfg = copy.deepcopy(lane.LOADED[path])
    cfg.model = _strip_pretrained(cfg.model.to_dict())
    cfg.load_from = None
    n = BATCH * ITERS * PROCS
    _point_at_fixture(cfg.train_dataloader, get_root, tmp_root, n)
    if cfg.get('val_dataloader') is not None:
        cfg.val_dataloader = copy.deepcopy(cfg.val_dataloader)
        _point_at_fixture(cfg.val_dataloader, get_root, tmp_root,
                          BATCH * PROCS)
        cfg.test_dataloader = cfg.val_dataloader
    _shrink_costly_inputs(cfg)
    if 'max_epochs' in cfg.train_cfg:
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 1
    else:
        cfg.train_cfg.max_iters = ITERS
        cfg.train_cfg.val_interval = ITERS
    cfg.train_cfg.pop('val_begin', None)
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.check_class_count = False  # the fixtures have 3 classes
    cfg.custom_imports = dict(
        imports=['ddp_dump_hook'], allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks')
                            or []) + [dict(type='DumpRankParamsHook')]
    with open(osp.join(osp.dirname(out_file), 'ddp_dump_hook.py'), 'w') as f:
        f.write(DUMP_HOOK)
    cfg.dump(out_file)
    return out_file
