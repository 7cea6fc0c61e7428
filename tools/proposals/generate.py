"""N proposals per image of a dataset split from a trained MMDetection
detector (RPN / Faster R-CNN), written as an mmfg proposal file (v2) keyed
by the dataset's image keys (issue 12).

    python tools/proposals/generate.py DET_CONFIG DET_CKPT \
        --dataset-config CFG --split {train,test} --out FILE.json \
        [--num-boxes 10] [--nms-iou 0.5] [--num-images N] [--batch-size 64]

Images come from the mmfg dataset of ``CFG``'s ``test_dataloader`` (with
``--split``), in their ORIGINAL size (no mmfg pipeline); the detector's own
test pipeline (image loading replaced by an in-memory load, annotation
loading dropped) runs on them, its boxes (already in original pixels) are
reduced by ``mmcv.ops.nms`` at ``--nms-iou`` to the ``--num-boxes`` best.
With true boxes in the dataset, CorLoc and recall at N are printed.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import mmcv
import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmfg.utils import run_with_clear_errors  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('det_config')
    p.add_argument('det_checkpoint')
    p.add_argument(
        '--dataset-config',
        required=True,
        help='mmfg config whose test_dataloader dataset gives the images '
        'and keys')
    p.add_argument('--split', default='test')
    p.add_argument('--out', required=True, help='proposal file to write')
    p.add_argument('--num-boxes', type=int, default=10)
    p.add_argument('--nms-iou', type=float, default=0.5)
    p.add_argument('--num-images', type=int, help='first N images only')
    p.add_argument(
        '--pad-split',
        action='store_true',
        help='with --num-images: give the other images of the split an '
        'empty entry ([]), so that the file loads in the full split and a '
        'config takes the first N with indices=N (the empty entries are '
        'never used then)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--metrics-out', help='write CorLoc / recall here')
    return p.parse_args(argv)


def detector_pipeline(cfg):
    """The detector config's test pipeline for in-memory images: the
    loading step -> ``mmdet.LoadImageFromNDArray``, no annotations."""
    from mmengine.dataset import Compose
    steps = []
    for step in cfg.test_dataloader.dataset.pipeline:
        kind = step['type'].split('.')[-1]
        if kind == 'LoadAnnotations':
            continue
        if kind == 'LoadImageFromFile':
            step = dict(type='mmdet.LoadImageFromNDArray')
        steps.append(step)
    return Compose(steps)


def load_image(dataset, i):
    info = dataset.get_data_info(i)
    img = info.get('img')
    if img is None:
        img = mmcv.imread(info['img_path'])
    if img.ndim == 2:  # grey: the detector was trained on 3 equal channels
        img = np.repeat(img[..., None], 3, axis=2)
    gt = info.get('gt_bboxes')
    return img, np.zeros((0, 4), np.float32) if gt is None else gt


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmengine.utils import ProgressBar

    from mmfg.apis.model import load_config, load_weights
    from mmfg.datasets.proposals import dump_proposal_file
    from mmfg.proposals import localization_scores, nms_boxes
    from mmfg.proposals.runner import build_split
    from mmfg.utils import register_all_modules

    register_all_modules()
    dataset = build_split(
        load_config(args.dataset_config), args.split, args.num_images)
    dataset.pipeline = None  # original images from get_data_info
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        # weights loaded by mmfg (torch's weights_only=True with the
        # allow-list MMEngine checkpoints need)
        model = init_detector(args.det_config, None, device='cpu')
        load_weights(model, args.det_checkpoint, args.det_config)
        model.eval()
        pipeline = detector_pipeline(model.cfg)
        props, sizes, gts = {}, {}, []
        bar = ProgressBar(len(dataset))
        start = time.perf_counter()
        for lo in range(0, len(dataset), args.batch_size):
            idx = range(lo, min(lo + args.batch_size, len(dataset)))
            items, keys = [], []
            for i in idx:
                img, gt = load_image(dataset, i)
                items.append(pipeline(dict(img=img, img_id=i)))
                keys.append(dataset.proposal_key(dataset.get_data_info(i)))
                sizes[keys[-1]] = img.shape[:2]
                gts.append(gt)
            with torch.no_grad():
                results = model.test_step(pseudo_collate(items))
            for key, res in zip(keys, results):
                inst = res.pred_instances
                boxes = torch.cat([inst.bboxes, inst.scores[:, None]], 1)
                h, w = sizes[key]
                boxes[:, 0:4:2] = boxes[:, 0:4:2].clamp(0, w)
                boxes[:, 1:4:2] = boxes[:, 1:4:2].clamp(0, h)
                ok = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
                props[key] = nms_boxes(boxes[ok], args.nms_iou,
                                       args.num_boxes).numpy()
            bar.update(len(keys))
        seconds = time.perf_counter() - start
    n = len(props)
    if args.pad_split and args.num_images:
        full = build_split(load_config(args.dataset_config), args.split)
        full.pipeline = None
        for i in range(n, len(full)):
            info = full.get_data_info(i)
            key = full.proposal_key(info)
            img = info.get('img')
            sizes[key] = (img if img is not None else mmcv.imread(
                info['img_path'])).shape[:2]
            props[key] = np.zeros((0, 5), np.float32)
        print(f'\n--pad-split: {len(full) - n} more images of the split '
              'with an empty entry')
    dump_proposal_file(args.out, props, image_sizes=sizes)
    summary = dict(split=args.split, num_images=n, images_per_s=n / seconds)
    print(f'\n{args.out}: {n} images with proposals, '
          f'{sum(len(v) for v in props.values())} boxes, '
          f'{n / seconds:.1f} images/s')
    if any(len(g) for g in gts):
        summary.update(
            localization_scores(
                list(props.values())[:n], gts, nums=(1, 4, 5, 10)))
    print(json.dumps(summary, indent=1))
    if args.metrics_out:
        os.makedirs(osp.dirname(osp.abspath(args.metrics_out)), exist_ok=True)
        with open(args.metrics_out, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
