"""Weakly supervised pseudo boxes of a dataset split from a trained
classifier: CAM boxes or CS-parts of the PREDICTED class, as a
COCO json (class-agnostic category ``part``) that mmdet's CocoDataset
trains a detector on, and optionally as an mmfg proposal file.

    python tools/proposals/pseudo_boxes.py CONFIG CKPT \
        --method {cam,cs-parts,centre,gt} --split train --out FILE.json \
        [--proposal-out FILE.json] [--num-images N] [--svm-images M] \
        [--save-images DIR] [--metrics-out FILE.json]
        [--save-svm SVM.npz | --load-svm SVM.npz]
        [--box-mode {refine,tight}] [--refine-solver {lbfgs,exhaustive}]

``centre`` is the centre-box baseline, ``gt`` writes the dataset's true
boxes (for evaluating a detector; never a training signal). Images are the
CONFIG's test pipeline on ``--split`` (first ``--num-images``); boxes are
written in pixels of the original images, keyed by the dataset's image
keys. With true boxes in the dataset, CorLoc and recall at N are printed;
for cs-parts also the part metrics of the K parts (``recall@K``, share and
mean number of parts inside the object; ``--inside-thr``). CS-parts boxes
are refined as the authors' public code does (``--box-mode refine``, the
default; ``--box-mode tight`` keeps each cluster's tight box; see
``mmfg.proposals.cs_parts``).

The COCO json's ``file_name`` of an image is relative to the detector's
image folder (its ``data_prefix.img``): for datasets of image files (the
FGVC datasets) the image key itself, the path relative to the dataset's
``data_root``, so the detector reads the dataset's own files with
``data_prefix.img = data_root`` (``--save-images DIR`` copies them, bytes
unchanged, to ``DIR/<key>`` instead); for datasets held in memory (MNIST-
style idx files, CIFAR) ``<key>.png``, written by ``--save-images DIR``.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time

import mmcv
import numpy as np

from mmfg.utils import run_with_clear_errors

METHODS = {'cam': 'CAMBoxes', 'cs-parts': 'CSParts', 'centre': 'CentreBoxes'}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='classifier config')
    p.add_argument('checkpoint', help='classifier checkpoint')
    p.add_argument('--method', required=True, choices=list(METHODS) + ['gt'])
    p.add_argument('--split', default='train')
    p.add_argument('--out', required=True, help='COCO json to write')
    p.add_argument('--proposal-out', help='also write an mmfg proposal file')
    p.add_argument('--num-images', type=int, help='first N images only')
    p.add_argument(
        '--svm-images',
        type=int,
        default=5000,
        help='cs-parts: training images the L1 SVM is fitted on')
    p.add_argument(
        '--svm-split',
        default='train',
        help='cs-parts: the split the SVM is fitted on (the training split '
        'of the part model: trainval for FGVC-Aircraft and Flowers-102)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--num-boxes', type=int, default=5, help='cam: N')
    p.add_argument(
        '--thresholds',
        type=float,
        nargs='+',
        default=[0.4, 0.2, 0.6],
        help='cam: fractions of the map maximum')
    p.add_argument('--target-layer', help='cam: CAM layer')
    p.add_argument('--num-parts', type=int, default=4, help='cs-parts: K')
    p.add_argument(
        '--sigma', type=float, default=5., help='cs-parts: blur (px)')
    p.add_argument('--feature-layer', help='cs-parts: pooled layer')
    p.add_argument(
        '--box-mode',
        choices=['refine', 'tight'],
        default='refine',
        help='cs-parts: refine each cluster\'s box (saliency recall x '
        'aspect ratio, the public code) or keep its tight box')
    p.add_argument(
        '--refine-solver',
        choices=['lbfgs', 'exhaustive'],
        default='lbfgs',
        help='cs-parts --box-mode refine: the public code\'s L-BFGS-B '
        'search or the exhaustive (global) maximum of its objective')
    p.add_argument(
        '--inside-thr',
        type=float,
        default=0.5,
        help='cs-parts part metrics: the fraction of a part\'s area that '
        'must lie inside the object box')
    p.add_argument(
        '--save-svm',
        help='cs-parts: write the fitted SVM here (.npz), for '
        'tools/inference.py --patches cs-parts CONFIG CKPT SVM')
    p.add_argument(
        '--load-svm',
        help='cs-parts: use this SVM (.npz of --save-svm, fitted on the '
        'training images) instead of fitting one (--svm-images unused)')
    p.add_argument(
        '--save-images',
        help='write the images as PNG under this folder (<key>.png), for a '
        'detector to train on')
    p.add_argument('--metrics-out', help='write CorLoc / recall here')
    return p.parse_args(argv)


def build(args, model):
    from mmfg.proposals import build_generator
    if args.method == 'cam':
        cfg = dict(
            type='CAMBoxes',
            target_layer=args.target_layer,
            thresholds=args.thresholds,
            num_boxes=args.num_boxes)
    elif args.method == 'cs-parts':
        cfg = dict(
            type='CSParts',
            feature_layer=args.feature_layer,
            num_parts=args.num_parts,
            sigma=args.sigma,
            box_mode=args.box_mode,
            refine_solver=args.refine_solver)
    else:
        cfg = dict(type=METHODS[args.method])
    return build_generator(cfg, model=model)


class TrueBoxes:
    """The dataset's own boxes (``--method gt``), filled in afterwards."""
    last_pred = None

    def __call__(self, inputs, images=None):
        return [np.zeros((0, 5), np.float32) for _ in inputs]


def coco_file_names(dataset, records, folder=None):
    """The COCO ``file_name`` of every record (see the module docstring):
    the image key for an image file, ``<key>.png`` for an in-memory image.
    With ``folder``, each image is written there under that name (a file
    copied as is, an in-memory image as PNG)."""
    names = []
    for i, rec in enumerate(records):
        info = dataset.get_data_info(i)
        in_memory = info.get('img') is not None
        name = rec['key'] + '.png' if in_memory else rec['key']
        if folder is not None:
            dst = osp.join(folder, name)
            if in_memory:
                mmcv.imwrite(info['img'], dst)
            else:
                os.makedirs(osp.dirname(dst), exist_ok=True)
                shutil.copyfile(info['img_path'], dst)
        names.append(name)
    return names


def image_folder_note(dataset, save_images):
    """Where the detector finds the images of the COCO json written."""
    if save_images:
        return f'images under {save_images}'
    if dataset.get_data_info(0).get('img') is not None:
        return ('in-memory images: their PNGs are written by --save-images '
                'DIR (file names <key>.png)')
    return (f'file names relative to {dataset.data_root} (the detector\'s '
            'data_prefix.img)')


def main(argv=None):
    args = parse_args(argv)
    from mmfg.apis.model import init_model
    from mmfg.datasets.proposals import dump_proposal_file
    from mmfg.proposals import boxes_to_coco, localization_scores
    from mmfg.proposals.coco import dump_coco
    from mmfg.proposals.metrics import part_scores
    from mmfg.proposals.runner import build_split, fit_cs_parts, run_generator

    model = init_model(args.config, args.checkpoint)
    cfg = model.cfg
    gen = TrueBoxes() if args.method == 'gt' else build(args, model)
    if args.method == 'cs-parts' and args.load_svm:
        gen.load_svm(args.load_svm)
        print(f'SVM read from {args.load_svm}')
    elif args.method == 'cs-parts':
        print(f'fitting the L1 SVM on {args.svm_images} images of '
              f'{args.svm_split}')
        fit_cs_parts(gen, model,
                     build_split(cfg, args.svm_split, args.svm_images),
                     args.batch_size)
        nnz = (gen.class_weights != 0).sum(1)
        print(f'\nselected features per class: {nnz.tolist()}')
        if args.save_svm:
            gen.save_svm(args.save_svm)
            print(f'SVM written to {args.save_svm}')
    dataset = build_split(cfg, args.split, args.num_images)
    start = time.perf_counter()
    records = run_generator(gen, model, dataset, args.batch_size)
    seconds = time.perf_counter() - start
    if args.method == 'gt':
        for rec in records:
            gt = rec['gt_bboxes']
            rec['boxes'] = np.concatenate(
                [gt, np.ones((len(gt), 1), np.float32)], 1)
    print(f'\n{len(records)} images in {seconds:.1f} s '
          f'({len(records) / seconds:.1f} images/s)')
    names = coco_file_names(dataset, records, args.save_images)
    coco = boxes_to_coco([
        dict(
            file_name=n,
            key=r['key'],
            height=r['size'][0],
            width=r['size'][1],
            boxes=r['boxes']) for n, r in zip(names, records)
    ])
    dump_coco(args.out, coco)
    print(f'{args.out}: {len(coco["images"])} images, '
          f'{len(coco["annotations"])} boxes; '
          f'{image_folder_note(dataset, args.save_images)}')
    if args.proposal_out:
        dump_proposal_file(
            args.proposal_out, {r['key']: r['boxes']
                                for r in records},
            image_sizes={r['key']: r['size']
                         for r in records})
        print(f'{args.proposal_out}: proposal file v2')
    summary = dict(
        method=args.method,
        split=args.split,
        num_images=len(records),
        images_per_s=len(records) / seconds)
    if args.method not in ('gt', ) and any(
            len(r['gt_bboxes']) for r in records):
        scores = localization_scores([r['boxes'] for r in records],
                                     [r['gt_bboxes'] for r in records],
                                     nums=(1, 4, 5, 10))
        summary.update(scores)
        if args.method == 'cs-parts':
            summary.update(
                part_scores([r['boxes'] for r in records],
                            [r['gt_bboxes'] for r in records],
                            num_parts=args.num_parts,
                            inside_thr=args.inside_thr),
                box_mode=args.box_mode,
                refine_solver=args.refine_solver,
                inside_thr=args.inside_thr)
        labels = np.array([r['label'] for r in records])
        preds = np.array([r['pred'] for r in records])
        if (preds >= 0).all():
            summary['pred_accuracy'] = float((preds == labels).mean())
        print(json.dumps(summary, indent=1))
    if args.metrics_out:
        os.makedirs(osp.dirname(osp.abspath(args.metrics_out)), exist_ok=True)
        with open(args.metrics_out, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
