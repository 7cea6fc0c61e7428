"""Test (evaluate) a checkpoint with an mmfg config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
                         [--show-dir DIR] [--cfg-options k=v ...]
                         [--launcher pytorch]
"""
import argparse
import os
import os.path as osp

from mmengine.evaluator import DumpResults

from mmfg.engine import build_runner, setup_distributed
from mmfg.engine.config_checks import (CfgOptionsAction, check_config,
                                       check_config_path, check_work_dir,
                                       load_config, merge_cfg_options)
from mmfg.utils import ConfigError, register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a checkpoint (mmfg)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the test logs')
    parser.add_argument('--out', help='dump the predictions to this pickle')
    parser.add_argument(
        '--show-dir', help='save images with their predictions here')
    parser.add_argument(
        '--show', action='store_true', help='show the predictions in a window')
    parser.add_argument(
        '--interval', type=int, default=1, help='visualise every n-th sample')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='seconds each shown image stays on screen')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. test_dataloader.batch_size=32')
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
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        vis = cfg.default_hooks.setdefault('visualization',
                                           dict(type='VisualizationHook'))
        vis.enable = True
        vis.show = args.show
        vis.wait_time = args.wait_time
        vis.out_dir = args.show_dir
        vis.interval = args.interval
        # readable pictures (enlarged image, boxes used, top-k panel) in
        # place of MMPretrain's text over the raw input; a visualizer the
        # config chose itself is kept
        visualizer = dict(cfg.get('visualizer') or {})
        upstream = ('UniversalVisualizer', 'mmpretrain.UniversalVisualizer')
        if visualizer.get('type', upstream[0]) in upstream:
            visualizer['type'] = 'mmfg.FGVisualizer'
            # RoIAlign configs cut their crops from the first num_parts
            # proposals: draw those
            for pre in (cfg.get('model', {}).get('data_preprocessor'),
                        cfg.get('data_preprocessor')):
                if isinstance(pre, dict) and 'num_parts' in pre:
                    visualizer.setdefault('max_proposals', pre['num_parts'])
                    break
            cfg.visualizer = visualizer
    merge_cfg_options(cfg, args.cfg_options)
    for loader in ('test_dataloader', ):
        # torch refuses persistent workers without workers; e.g. after
        # --cfg-options train_dataloader.num_workers=0
        if isinstance(cfg.get(loader), dict) \
                and cfg[loader].get('num_workers', 0) == 0:
            cfg[loader]['persistent_workers'] = False
    return cfg


def check_checkpoint_path(path):
    """The checkpoint argument names an existing file."""
    if osp.isdir(path):
        found = sorted(f for f in os.listdir(path) if f.endswith('.pth'))
        hint = f' (it holds {", ".join(found[:3])})' if found else ''
        raise IsADirectoryError(
            f'checkpoint {path} is a folder, not a checkpoint file; give '
            f'a .pth file{hint}')
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')


def check_out_path(out):
    """``--out`` is a .pkl/.pickle path whose folder can take it."""
    if not out.endswith(('.pkl', '.pickle')):
        raise ConfigError(f'--out {out}: the predictions are written as a '
                          'pickle; give a path ending with .pkl or .pickle')
    if osp.isdir(out):
        raise IsADirectoryError(f'--out {out} is a folder; give a file path '
                                'ending with .pkl')
    folder = osp.dirname(osp.abspath(out))
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'--out {out}: its folder {folder} does not exist (or is not a '
            'folder); create it first or choose another path')


def main(argv=None):
    args = parse_args(argv)
    check_config_path(args.config)
    check_checkpoint_path(args.checkpoint)
    if args.out is not None:
        check_out_path(args.out)
    register_all_modules()
    cfg = merge_args(load_config(args.config), args)
    check_config(cfg, 'test')
    check_work_dir(cfg.work_dir)
    cfg.launcher = args.launcher
    setup_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    return runner.test()


if __name__ == '__main__':
    run_with_clear_errors(main)
