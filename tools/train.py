"""Train a model from an mmfg config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                          [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse
import os
import os.path as osp

from mmfg.engine import build_runner, setup_distributed
from mmfg.engine.config_checks import (CfgOptionsAction, check_config,
                                       check_work_dir, load_config,
                                       merge_cfg_options)
from mmfg.utils import ConfigError, register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model (mmfg)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr with the total batch size')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='set pin_memory=False in all dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='set persistent_workers=False in all dataloaders')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. '
        'train_dataloader.batch_size=32 model.head.num_classes=200')
    parser.add_argument(
        '--launcher',
        default='none',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Apply the command line to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise ConfigError(
                '--amp needs a GPU (MMEngine\'s AmpOptimWrapper supports '
                'cuda/npu/mlu/musa only); drop --amp to train in fp32 on CPU')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if osp.isdir(args.resume):
            raise IsADirectoryError(
                f'--resume {args.resume} is a folder; give a checkpoint '
                'file in it, or --resume without a value to resume from the '
                'latest checkpoint of the work dir')
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint {args.resume} does not exist; give an '
                'existing .pth file, or --resume without a value to resume '
                'from the latest checkpoint in the work dir')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ConfigError(
                '--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                'config (the total batch size its lr was tuned for)')
        cfg.auto_scale_lr.enable = True
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        if args.no_pin_memory:
            cfg[loader]['pin_memory'] = False
        if args.no_persistent_workers:
            cfg[loader]['persistent_workers'] = False
    merge_cfg_options(cfg, args.cfg_options)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        # torch refuses persistent workers without workers; e.g. after
        # --cfg-options train_dataloader.num_workers=0
        if isinstance(cfg.get(loader), dict) \
                and cfg[loader].get('num_workers', 0) == 0:
            cfg[loader]['persistent_workers'] = False
    return cfg


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = merge_args(load_config(args.config), args)
    check_config(cfg, 'train')
    check_work_dir(cfg.work_dir)
    cfg.launcher = args.launcher
    setup_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    run_with_clear_errors(main)
