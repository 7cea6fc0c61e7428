"""Distributed set-up that works with NCCL on GPUs and gloo on CPU.

MMEngine 0.10 assumes a GPU for ``launcher='pytorch'``: ``init_dist`` calls
``torch.cuda.set_device`` and the default DDP wrapper passes
``device_ids=[LOCAL_RANK]``; both fail on a CPU-only machine. On such a
machine :func:`setup_distributed` initialises the gloo process group itself
(the runner then skips ``init_dist``) and builds DDP with ``device_ids=None``,
which is how PyTorch's DDP runs CPU modules.

``sync_bn`` ('torch' or 'mmcv', MMEngine's top-level key: the Runner
converts the model's BatchNorm layers to SyncBatchNorm before wrapping it in
DDP) needs GPUs: both SyncBatchNorm implementations refuse CPU tensors, so a
CPU job with ``sync_bn`` set stops here with one line.
"""
import os

import torch
import torch.distributed as torch_dist


def setup_distributed(cfg, launcher):
    """Prepare ``cfg`` (in place) and the process group for ``launcher``.

    Args:
        cfg (mmengine.Config): the config the runner will be built from.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.

    Returns:
        str: the backend used ('nccl', 'gloo', ...) or 'none'.
    """
    if launcher == 'none':
        return 'none'
    if launcher == 'pytorch' and 'TORCHELASTIC_RUN_ID' in os.environ:
        # started by torchrun: do not outlive it (a killed launcher must not
        # leave processes waiting in a collective)
        from .seeding import die_with_parent
        die_with_parent()
    if torch.cuda.is_available():
        return cfg.env_cfg.get('dist_cfg', {}).get('backend', 'nccl')

    if cfg.get('sync_bn', None) is not None:
        from mmfg.utils.errors import ConfigError
        raise ConfigError(
            f'sync_bn={cfg.sync_bn!r} needs GPUs (SyncBatchNorm runs on '
            'CUDA tensors only; this machine has none): drop sync_bn '
            '(--cfg-options sync_bn=None) to train with per-process '
            'BatchNorm on CPU')
    if launcher != 'pytorch':
        raise RuntimeError(
            f'launcher={launcher!r} without a GPU is not supported; on a '
            'CPU-only machine use tools/dist_train.sh (torchrun, '
            "launcher='pytorch'), which trains with the gloo backend.")
    cfg.env_cfg.setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    # CPU modules: DDP must get device_ids=None, not [LOCAL_RANK].
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper

    if not torch_dist.is_initialized():
        for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
            if var not in os.environ:
                raise RuntimeError(
                    f'launcher=pytorch but ${var} is not set: start the job '
                    'with tools/dist_train.sh or torchrun.')
        kwargs = {
            k: v
            for k, v in cfg.env_cfg.dist_cfg.items() if k != 'backend'
        }
        if 'timeout' in kwargs:
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    return 'gloo'
