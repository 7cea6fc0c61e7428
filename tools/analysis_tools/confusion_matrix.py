"""Confusion matrix of a classifier on its config's test set (the CLI of
mmpretrain's tool).

    python tools/analysis_tools/confusion_matrix.py CONFIG CKPT_OR_RESULT \
        [--show-path cm.png] [--out cm.npy|cm.csv] [--include-values] \
        [--normalize] [--cmap viridis] [--work-dir DIR] \
        [--cfg-options k=v ...]

CKPT_OR_RESULT is either the predictions pickle of
``tools/test.py CONFIG CKPT --out preds.pkl`` (read as data only), or any
checkpoint of CONFIG's model: a training checkpoint (with its optimizer and
message hub), a published one (tools/misc/publish_model.py), one written
with the EMA hook, or plain weights; the config's test set is then run as
tools/test.py runs it. The matrix has the true classes as rows and the
predicted ones as columns. ``--show-path`` saves the picture (default
``confusion_matrix.png``), ``--out`` the counts (.npy array or .csv table
with the class names).
"""
import argparse
import os.path as osp
import tempfile

import numpy as np

from mmfg.engine.config_checks import CfgOptionsAction
from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Confusion matrix of a checkpoint or predictions (mmfg)')
    p.add_argument('config', help='config file')
    p.add_argument(
        'ckpt_or_result',
        help='checkpoint (.pth, any kind) or tools/test.py --out pickle')
    p.add_argument(
        '--show-path',
        default='confusion_matrix.png',
        help='image of the matrix (default %(default)s)')
    p.add_argument('--out', help='also write the counts: .npy or .csv')
    p.add_argument(
        '--include-values',
        action='store_true',
        help='write the value of each cell')
    p.add_argument(
        '--normalize',
        action='store_true',
        help='colour (and write) each row as percent of its true class')
    p.add_argument('--cmap', default='viridis', help='matplotlib colour map')
    p.add_argument(
        '--work-dir',
        help='logs of the test run from a checkpoint (default: a temporary '
        'folder)')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. test_dataloader.batch_size=64')
    return p.parse_args(argv)


def main(argv=None):
    from mmfg.analysis.confusion import (class_names, confusion_matrix,
                                         labels_of, load_predictions,
                                         plot_confusion_matrix,
                                         predictions_from_checkpoint,
                                         save_matrix)
    from mmfg.engine.config_checks import (check_config_path, load_config,
                                           merge_cfg_options)
    from mmfg.utils import register_all_modules

    args = parse_args(argv)
    check_config_path(args.config)
    src = args.ckpt_or_result
    if not osp.isfile(src):
        raise FileNotFoundError(f'{src} does not exist; give a checkpoint '
                                'or the pickle of tools/test.py --out')
    if args.out is not None and not args.out.endswith(('.npy', '.csv')):
        raise ConfigError(f'--out {args.out}: the matrix is written as .npy '
                          'or .csv; give a path ending with one of them')
    for path in (args.show_path, args.out):
        folder = osp.dirname(osp.abspath(path)) if path else None
        if folder and not osp.isdir(folder):
            raise FileNotFoundError(f'{path}: its folder {folder} does not '
                                    'exist; create it first')
    register_all_modules()
    cfg = merge_cfg_options(load_config(args.config), args.cfg_options)
    if src.endswith(('.pkl', '.pickle')):
        preds = load_predictions(src)
    elif args.work_dir:
        preds = predictions_from_checkpoint(args.config, src, args.work_dir,
                                            args.cfg_options)
    else:
        with tempfile.TemporaryDirectory(prefix='mmfg_cm_') as tmp:
            preds = predictions_from_checkpoint(args.config, src, tmp,
                                                args.cfg_options)
    gt, pred, num = labels_of(preds, src)
    matrix = confusion_matrix(gt, pred, num)
    classes = class_names(cfg)
    acc = 100 * np.trace(matrix) / max(matrix.sum(), 1)
    print(f'{matrix.sum()} images, {num} classes, accuracy {acc:.2f}% '
          '(rows: true class, columns: predicted class)')
    print(matrix)
    if args.out:
        save_matrix(matrix, args.out, classes)
        print(f'matrix written to {args.out}')
    plot_confusion_matrix(
        matrix,
        args.show_path,
        classes=classes,
        include_values=args.include_values,
        cmap=args.cmap,
        normalize=args.normalize)
    print(f'The confusion matrix is saved at {args.show_path}.')
    return matrix


if __name__ == '__main__':
    run_with_clear_errors(main)
